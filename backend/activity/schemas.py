"""Activity response bodies (docs/api.md "Activity and undo")."""

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel

from backend.activity.store import Entry
from backend.tasks.schemas import TaskOut

# Kept in an entry to restore a task exactly; not part of a task as clients see it.
_PRIVATE = ("time_zone", "reminded_at")


def _task(snapshot: dict[str, Any] | None) -> TaskOut | None:
    if snapshot is None:
        return None
    return TaskOut.model_validate({k: v for k, v in snapshot.items() if k not in _PRIVATE})


class EntryOut(BaseModel):
    id: int
    at: datetime
    source: Literal["rest", "chat", "chatkit", "mcp", "system"]
    conversation_id: int | None
    message_id: int | None
    action: Literal["created", "updated", "completed", "reopened", "deleted", "restored"]
    task_id: int
    before: TaskOut | None
    after: TaskOut | None
    undo_of: int | None
    undone_by: int | None

    @classmethod
    def of(cls, entry: Entry) -> Self:
        return cls.model_validate(
            {
                "id": entry.number,
                "at": entry.at,
                "source": entry.source,
                "conversation_id": entry.conversation_number,
                "message_id": entry.message_number,
                "action": entry.action,
                "task_id": entry.task_number,
                "before": _task(entry.before),
                "after": _task(entry.after),
                "undo_of": entry.undo_of,
                "undone_by": entry.undone_by,
            }
        )


class ActivityPage(BaseModel):
    activity: list[EntryOut]
    next_before: int | None


class Undone(BaseModel):
    """The entries the undo wrote (each with `undo_of`), newest first."""

    undone: list[EntryOut]
