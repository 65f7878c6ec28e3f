"""Undo: put tasks back as they were before some activity entries, through the task store
(so each undo is itself recorded, with `undo_of`), all or none, in the caller's transaction.

Rows are locked entries first (ascending), then each task: of two undos of the same entry
one wins and the other finds it undone (`already_undone`); a task that changed since the entry
(its fields no longer what the entry left) is an `undo_conflict` naming the later entry,
never a silent overwrite.
"""

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.activity.record import Origin
from backend.activity.store import ActivityStore, Entry
from backend.http.errors import AlreadyUndone, UndoConflict
from backend.tasks.store import TaskStore

# What a person changes; timestamps and the reminder's bookkeeping are not compared.
_CONTENT = (
    "title",
    "description",
    "completed",
    "priority",
    "tags",
    "due_at",
    "recurrence",
    "remind_at",
    "time_zone",
)


def _same(now: Mapping[str, Any], then: Mapping[str, Any]) -> bool:
    return all(now.get(name) == then.get(name) for name in _CONTENT)


async def undo(
    session: AsyncSession, owner: str, entries: list[Entry], origin: Origin
) -> list[Entry]:
    """Undo `entries` (newest first) under `origin`; the new entries, newest first."""
    origin = origin.batched()  # one batch for the whole undo
    activity = ActivityStore(session, owner)
    for entry in entries:
        if entry.undone_by is not None:
            raise AlreadyUndone()
    # Every task is locked before anything is written, in one order: a concurrent change to
    # one of them then finishes first instead of deadlocking with this undo.
    for number in sorted({entry.task_number for entry in entries}):
        await TaskStore(session, owner).snapshot_locked(number)
    for entry in entries:
        await _undo_one(session, owner, activity, entry, origin)
    return await activity.undos_of([entry.number for entry in entries])


async def _undo_one(
    session: AsyncSession, owner: str, activity: ActivityStore, entry: Entry, origin: Origin
) -> None:
    tasks = TaskStore(session, owner, dataclasses.replace(origin, undo_of=entry.number))
    now = await tasks.snapshot_locked(entry.task_number)
    if entry.after is None:  # deleted: it comes back, unless it is back already
        if now is not None or entry.before is None:
            raise await _conflict(activity, entry)
        await tasks.restore(entry.before)
        return
    if now is None or not _same(now, entry.after):
        raise await _conflict(activity, entry)
    if entry.before is None:  # created (or restored): it goes
        await tasks.delete(entry.task_number)
    else:
        await tasks.revert(entry.task_number, entry.before, now)


async def _conflict(activity: ActivityStore, entry: Entry) -> UndoConflict:
    later = await activity.latest_for_task(entry.task_number, entry.number)
    return UndoConflict(entry.task_number, later)
