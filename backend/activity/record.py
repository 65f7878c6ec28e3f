"""Writing an activity entry: called only by the task store's write methods, in the
transaction that makes the change, so no change is committed without its entry and no entry
without its change.

Who made a change travels with the store as an `Origin`; the store passes the task's
snapshots (before and after, as plain JSON) and the action.
"""

import uuid
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import activity
from backend.db.sequences import next_number

Source = Literal["rest", "chat", "chatkit", "mcp", "system"]
ActivityAction = Literal["created", "updated", "completed", "reopened", "deleted", "restored"]


@dataclass(frozen=True, slots=True)
class Origin:
    """What is making a change: the surface, the conversation (chat and ChatKit), the changes
    it belongs with (`batch`: a chat run's id; None means one batch per task store), and, for
    an undo, the entry it undoes."""

    source: Source
    conversation: int | None = None
    batch: uuid.UUID | None = None
    undo_of: int | None = None

    def batched(self) -> "Origin":
        return self if self.batch is not None else replace(self, batch=uuid.uuid4())


REST = Origin("rest")

_OWNER = bindparam("owner", type_=activity.c.user_id.type)
_INSERT = (
    insert(activity)
    .from_select(
        [
            "user_id",
            "number",
            "source",
            "conversation_number",
            "batch",
            "action",
            "task_number",
            "before",
            "after",
            "undo_of",
        ],
        select(
            _OWNER,
            next_number(_OWNER, "activity").c.last_value,
            *(
                bindparam(name, type_=activity.c[column].type)
                for name, column in (
                    ("source", "source"),
                    ("conversation", "conversation_number"),
                    ("batch", "batch"),
                    ("action", "action"),
                    ("task", "task_number"),
                    ("before", "before"),
                    ("after", "after"),
                    ("undo_of", "undo_of"),
                )
            ),
        ),
    )
    .returning(activity.c.number)
)


async def record_change(
    session: AsyncSession,
    owner: str,
    origin: Origin,
    action: ActivityAction,
    task_number: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> int:
    """Write the entry (and mark the entry it undoes); its per-user number."""
    assert origin.batch is not None, "a store hands over a batched origin"
    params = {
        "owner": owner,
        "source": origin.source,
        "conversation": origin.conversation,
        "batch": origin.batch,
        "action": action,
        "task": task_number,
        "before": before,
        "after": after,
        "undo_of": origin.undo_of,
    }
    number: int = (await session.execute(_INSERT, params)).scalar_one()
    if origin.undo_of is not None:
        await session.execute(
            update(activity)
            .where(activity.c.user_id == owner, activity.c.number == origin.undo_of)
            .values(undone_by=number)
        )
    return number
