"""History bounded by tokens: newest turns whole, calls never split from their results, older
tool results shortened before any turn is dropped."""

from dataclasses import dataclass, field
from typing import Any

from agent.history import SHORTENED
from agent.history import to_input_items as items_of
from agent.tokens import estimate_tokens, item_tokens


@dataclass
class Row:
    role: str
    content: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


def listing(turn: int, tasks: int = 20) -> list[Row]:
    """A turn that listed `tasks` tasks: the question, then the answer with its call."""
    output = {"tasks": [{"id": n, "title": f"Task {n} of turn {turn}"} for n in range(tasks)]}
    call = {"id": f"call_{turn}", "name": "list_tasks", "arguments": {}, "output": output,
            "is_error": False}  # fmt: skip
    return [Row("user", f"what's pending? ({turn})"), Row("assistant", f"Here ({turn}).", [call])]


def to_input_items(rows: list[Row], message: str, **bound: int) -> list[dict[str, Any]]:
    return [dict(item) for item in items_of(rows, message, **bound)]


def conversation(turns: int) -> list[Row]:
    return [row for turn in range(turns) for row in listing(turn)]


def total(items: list[Any]) -> int:
    return sum(map(item_tokens, items))


def outputs(items: list[Any]) -> list[str]:
    return [item["output"] for item in items if item.get("type") == "function_call_output"]


def test_a_history_within_the_bound_is_sent_whole() -> None:
    rows = conversation(3)
    assert to_input_items(rows, "hi", max_tokens=100_000) == to_input_items(rows, "hi")


def test_older_tool_results_are_shortened_first_the_newest_kept_whole() -> None:
    rows = conversation(4)
    whole = to_input_items(rows, "delete that one")
    bound = total(whole) - 10  # just over: shortening the oldest result is enough
    items = to_input_items(rows, "delete that one", max_tokens=bound)
    assert total(items) <= bound
    assert [i.get("content") for i in items if i.get("role") == "user"] == [
        "what's pending? (0)", "what's pending? (1)", "what's pending? (2)",
        "what's pending? (3)", "delete that one",
    ]  # fmt: skip
    shown = outputs(items)
    assert shown[0].endswith(SHORTENED)
    assert "\n" not in shown[0]
    assert shown[1:] == outputs(whole)[1:]


def test_over_the_bound_the_oldest_turns_go_whole_and_pairs_stay_together() -> None:
    rows = conversation(30)
    items = to_input_items(rows, "and now?", max_tokens=2000)
    assert total(items) <= 2000
    assert items[-1] == {"role": "user", "content": "and now?"}
    assert items[0]["role"] == "user"  # starts at a turn
    calls = [i["call_id"] for i in items if i.get("type") == "function_call"]
    assert calls == [i["call_id"] for i in items if i.get("type") == "function_call_output"]
    assert calls[-1] == "call_29"
    assert outputs(items)[-1] == outputs(to_input_items(rows, "x"))[-1]  # the newest whole
    assert len(calls) < 30


def test_the_newest_turn_is_sent_even_when_it_alone_is_over_the_bound() -> None:
    rows = listing(0, tasks=200)
    items = to_input_items(rows, "and?", max_tokens=100)
    assert [i.get("role") for i in items] == ["user", None, None, "assistant", "user"]


def test_the_estimate_errs_high_for_english_and_tracks_other_scripts() -> None:
    english = "Add a task to buy two litres of semi-skimmed milk tomorrow morning."
    assert estimate_tokens(english) >= len(english) / 4  # o200k: about 4 characters a token
    assert estimate_tokens("牛乳を買う") == 5  # about one token a character
