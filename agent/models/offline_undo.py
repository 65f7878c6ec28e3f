"""The offline model's "undo": "undo", "undo that", "take that back" (and close variants)
call `undo_last_change`, and its result is told back. Self-contained: one check before the
other intents (agent/models/offline.py)."""

from __future__ import annotations

import re

from agent.models.offline_answers import ToolCall, ToolResult

TOOL = "undo_last_change"
_UNDO = re.compile(
    r"^(?:(?:please|ok(?:ay)?|oops|no|wait)[\s,!.]*)*"
    r"(?:undo(?: (?:that|it|this|the last change|your last change|what you (?:just )?did))?"
    r"|take (?:that|it) back|revert (?:that|it)|put (?:that|it) back)"
    r"(?:[\s,]+please)?[\s!.]*$",
    re.IGNORECASE,
)
# By what the undo did (its entry's action).
_SAID = {
    "deleted": "removed task {id} “{title}” again",
    "restored": "brought back task {id} “{title}”",
}


def asks_to_undo(text: str | None) -> bool:
    return text is not None and bool(_UNDO.match(text.strip()))


def undo_step(text: str | None, results: list[ToolResult]) -> ToolCall | str | None:
    """The call to make for an undo request, the answer once it returned; None otherwise."""
    if not asks_to_undo(text):
        return None
    done = [result for result in results if result.call.name == TOOL]
    if not done:
        return ToolCall(TOOL, {})
    return _told(done[-1])


def _told(result: ToolResult) -> str:
    if result.data is None:
        return result.text
    changes = result.data.get("undone") or []
    parts = []
    for change in changes:
        undone = str(change.get("action", ""))
        fill = {"id": change.get("task_id"), "title": change.get("title", "")}
        parts.append(_SAID.get(undone, "put task {id} “{title}” back as it was").format(**fill))
    if not parts:
        return "There was nothing to undo."
    return "Undone: I " + "; ".join(parts) + "."
