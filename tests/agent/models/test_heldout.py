"""The offline model's score on phrasings it was never tuned on (tests/agent/models/heldout.py).

`python -m tests.agent.models.test_heldout` prints the score and every miss.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agents import Agent, RunConfig, Runner, TResponseInputItem

from agent.context import ChatContext
from agent.instructions import instructions_for
from agent.models.offline import OfflineModel
from tests.agent.models.heldout import FRESH, HELD_OUT, NOW, SEEDED, ZONE, Call, Case, Contains
from tests.agent.models.task_fake import TaskFake

# The score the README reports; a change that lowers it fails here.
FLOOR = 0.98
FRESH_FLOOR = 0.93


def fresh_tasks() -> TaskFake:
    tasks = TaskFake()
    for _, title, completed, tags, priority in SEEDED:
        tasks.seed(title, completed=completed, tags=tags, priority=priority)
    return tasks


async def calls_for(case: Case) -> list[tuple[str, dict[str, Any]]]:
    calls, _ = await answered(case)
    return calls


async def answered(case: Case) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """The tool calls the offline model made for the case's message (after its `before`
    turn, if any) on fresh seeded tasks, and its final answer."""
    tasks = fresh_tasks()
    agent = Agent[ChatContext](
        name="todo", instructions=instructions_for, model=OfflineModel(), tools=[*tasks.tools()]
    )
    config = RunConfig(tracing_disabled=True)
    context = ChatContext("someone", 1, timezone=ZONE, started_at=NOW)
    history: list[TResponseInputItem] = []
    if case.before is not None:
        earlier = await Runner.run(agent, case.before, context=context, run_config=config)
        history = earlier.to_input_list()
        tasks.calls.clear()
    message: TResponseInputItem = {"role": "user", "content": case.say}
    result = await Runner.run(agent, [*history, message], context=context, run_config=config)
    return tasks.calls, str(result.final_output)


def matches(made: list[tuple[str, dict[str, Any]]], expected: tuple[Call, ...]) -> bool:
    return len(made) == len(expected) and all(map(_same_call, made, expected))


def _same_call(made: tuple[str, dict[str, Any]], expected: Call) -> bool:
    name, arguments = made
    if expected[0] == "lookup":
        return name == "list_tasks"
    wanted = _without_defaults(expected[1])
    got = _without_defaults(arguments)
    if name != expected[0] or got.keys() != wanted.keys():
        return False
    return all(_same_value(got[key], value) for key, value in wanted.items())


def _same_value(got: Any, wanted: Any) -> bool:
    if isinstance(wanted, Contains):
        return isinstance(got, list) and wanted.value in got
    return bool(got == wanted)


def _without_defaults(arguments: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in arguments.items() if (k, v) != ("status", "all")}


async def score(
    cases: list[Case],
) -> tuple[float, list[tuple[Case, list[tuple[str, dict[str, Any]]]]]]:
    misses = []
    for case in cases:
        made = await calls_for(case)
        if not matches(made, case.calls):
            misses.append((case, made))
    return 1 - len(misses) / len(cases), misses


def test_the_held_out_set_is_big_enough() -> None:
    assert len(HELD_OUT) >= 60
    assert len({case.say for case in HELD_OUT}) == len(HELD_OUT)


async def test_held_out_score() -> None:
    await _check(HELD_OUT, FLOOR, "held-out")


async def test_fresh_held_out_score() -> None:
    await _check(FRESH, FRESH_FLOOR, "fresh held-out")


async def _check(cases: list[Case], floor: float, name: str) -> None:
    result, misses = await score(cases)

    report = "\n".join(f"  {case.say!r}: made {made}" for case, made in misses)
    print(f"{name} score: {result:.0%} of {len(cases)}\n{report}")  # noqa: T201
    assert result >= floor, f"{name} score {result:.1%} fell below {floor:.0%}:\n{report}"


async def _main() -> None:
    await test_held_out_score()
    await test_fresh_held_out_score()


if __name__ == "__main__":
    asyncio.run(_main())
