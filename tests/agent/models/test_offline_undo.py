"""The offline model's undo: the phrases of docs/api.md §19 call undo_last_change, other
sentences that mention undoing are left to the other intents, and the result is told back."""

import pytest

from agent.models.offline_answers import ToolCall, read_result
from agent.models.offline_undo import TOOL, asks_to_undo, undo_step


@pytest.mark.parametrize(
    "said",
    [
        "undo",
        "Undo that",
        "undo that.",
        "take that back",
        "Take it back!",
        "please undo",
        "oops, undo that please",
        "undo the last change",
        "UNDO IT",
    ],
)
def test_undo_phrases_call_the_tool(said: str) -> None:
    assert asks_to_undo(said)
    assert undo_step(said, []) == ToolCall(TOOL, {})


@pytest.mark.parametrize(
    "said", ["add a task to undo the mess", "what can I undo?", "delete task 3", "", None]
)
def test_other_sentences_are_not_an_undo(said: str | None) -> None:
    assert undo_step(said, []) is None


def test_the_result_is_told_back_and_an_error_passes_through() -> None:
    call = ToolCall(TOOL, {})
    output = (
        '{"status":"undone","count":1,"undone":'
        '[{"entry_id":5,"action":"restored","task_id":3,"title":"Buy milk"}]}'
    )
    told = undo_step("undo", [read_result(call, output)])
    assert told == "Undone: I brought back task 3 “Buy milk”."
    refused = undo_step("undo", [read_result(call, "There is no change of mine to undo.")])
    assert refused == "There is no change of mine to undo."
