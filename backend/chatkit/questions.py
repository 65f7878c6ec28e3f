"""Tool calls waiting for the person as a ChatKit question (docs/chatkit.md): one
`StructuredInputItem` per paused answer, one multiple-choice input per waiting call (its id
is the call id), answered with `threads.add_structured_input` like the REST decision."""

from datetime import UTC, datetime
from typing import Any

from chatkit.types import (
    StructuredInputItem,
    StructuredInputMultipleChoice,
    StructuredInputMultipleChoiceOption,
    StructuredInputSubmission,
)

from backend.chatkit.ids import item_id

# The first choice approves, the second declines; any other answer, or none, declines.
DELETE_CHOICES = ("Delete", "Keep")
CHANGE_CHOICES = ("Do it", "Cancel")


def question(
    thread: str, number: int, waiting: list[dict[str, Any]], created_at: datetime | None = None
) -> StructuredInputItem:
    """The question item of assistant message `number`, whose calls `waiting` wait."""
    inputs = [
        StructuredInputMultipleChoice(
            id=call["id"],
            question=call["summary"],
            options=[StructuredInputMultipleChoiceOption(value=v) for v in _choices(call)],
        )
        for call in waiting
    ]
    return StructuredInputItem(
        id=item_id("ask", number),
        thread_id=thread,
        created_at=created_at or datetime.now(UTC),
        inputs=list(inputs),
    )


def decisions(submission: StructuredInputSubmission, waiting: list[str]) -> dict[str, bool]:
    """Every waiting call decided: approved only when its answer is the approving choice."""
    decided = {}
    for call_id in waiting:
        answer = submission.answers.get(call_id)
        chosen = answer.values[0] if answer and answer.values and not answer.skipped else None
        decided[call_id] = submission.status == "answered" and chosen in (
            DELETE_CHOICES[0],
            CHANGE_CHOICES[0],
        )
    return decided


def _choices(call: dict[str, Any]) -> tuple[str, str]:
    return DELETE_CHOICES if call["tool"] == "delete_task" else CHANGE_CHOICES
