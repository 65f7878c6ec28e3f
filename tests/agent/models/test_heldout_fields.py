"""The offline model on the §18 held-out set (tests/agent/models/heldout_fields.py): how much it
understands, and that no phrase, understood or not, makes a change the person did not ask for.

`python -m tests.agent.models.test_heldout_fields` prints the score and every miss.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tests.agent.models.heldout import Call, Case
from tests.agent.models.heldout_fields import AFTER_REWORK, ASKS, HELD_OUT_FIELDS, NOTHING
from tests.agent.models.test_heldout import answered

GOAL = 0.95
# The second set's score as first measured (docs/offline-model.md); a change that lowers it
# fails here.
AFTER_REWORK_FLOOR = 0.88
WRITES = frozenset({"add_task", "update_task", "complete_task", "delete_task"})

Made = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Outcome:
    case: Case
    calls: list[Made]
    answer: str

    @property
    def writes(self) -> list[Made]:
        return [call for call in self.calls if call[0] in WRITES]

    @property
    def unasked(self) -> list[Made]:
        """The writes the case did not expect (each expected write excuses one made)."""
        expected = Counter(_key(call) for call in self.case.calls if call[0] in WRITES)
        extra = []
        for call in self.writes:
            if expected[_key(call)] > 0:
                expected[_key(call)] -= 1
            else:
                extra.append(call)
        return extra

    @property
    def understood(self) -> bool:
        kind = self.case.calls[0] if self.case.calls else NOTHING
        if kind == ASKS:
            return not self.writes and self.answer.rstrip().endswith("?")
        if kind == NOTHING:
            return not self.writes
        expected_writes = [call for call in self.case.calls if call[0] in WRITES]
        if expected_writes:
            return sorted(map(_key, self.writes)) == sorted(map(_key, expected_writes))
        return [_key(call) for call in self.calls] == [_key(call) for call in self.case.calls]


def _key(call: Call | Made) -> str:
    name, arguments = call
    meaningful = {k: v for k, v in arguments.items() if (k, v) != ("status", "all")}
    return f"{name} {sorted(meaningful.items())!r}"


async def outcome_of(case: Case) -> Outcome:
    calls, answer = await answered(case)
    return Outcome(case, list(calls), answer)


async def outcomes(cases: list[Case]) -> list[Outcome]:
    return [await outcome_of(case) for case in cases]


def report(name: str, results: list[Outcome]) -> str:
    understood = sum(outcome.understood for outcome in results)
    lines = [f"{name}: {understood / len(results):.1%} ({understood} of {len(results)})"]
    for outcome in results:
        if not outcome.understood or outcome.unasked:
            flag = "UNASKED CHANGE " if outcome.unasked else ""
            lines.append(
                f"  {flag}{outcome.case.say!r}: made {outcome.calls}, said {outcome.answer!r}"
            )
    return "\n".join(lines)


def test_the_set_is_big_and_has_no_repeats() -> None:
    assert len(HELD_OUT_FIELDS) >= 60
    assert len({(case.say, case.before) for case in HELD_OUT_FIELDS}) == len(HELD_OUT_FIELDS)


async def test_the_model_understands_the_set_and_never_changes_what_was_not_asked() -> None:
    await _check("§18 held-out set", HELD_OUT_FIELDS, GOAL)


async def test_the_set_written_after_the_rework_never_gets_an_unasked_change() -> None:
    await _check("second §18 set", AFTER_REWORK, AFTER_REWORK_FLOOR)


async def _check(name: str, cases: list[Case], floor: float) -> None:
    results = await outcomes(cases)
    summary = report(name, results)
    print(summary)  # noqa: T201

    assert [outcome.case.say for outcome in results if outcome.unasked] == [], summary
    understood = sum(outcome.understood for outcome in results) / len(results)
    assert understood >= floor, summary


async def _main() -> None:
    for name, cases in (("§18 held-out set", HELD_OUT_FIELDS), ("second §18 set", AFTER_REWORK)):
        print(report(name, await outcomes(cases)))  # noqa: T201


if __name__ == "__main__":
    asyncio.run(_main())
