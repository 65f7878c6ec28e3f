"""Reading, locking and purging activity entries; every query filters by owner (the purge,
a job for every user, removes by age only). Entries are written by backend/activity/record.py,
from inside the task store."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import activity as _activity

_FIELDS = (
    "number",
    "at",
    "source",
    "conversation_number",
    "message_number",
    "batch",
    "action",
    "task_number",
    "before",
    "after",
    "undo_of",
    "undone_by",
)
_COLUMNS = tuple(_activity.c[name] for name in _FIELDS)


@dataclass(frozen=True, slots=True)
class Entry:
    number: int
    at: datetime
    source: str
    conversation_number: int | None
    message_number: int | None
    batch: uuid.UUID
    action: str
    task_number: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    undo_of: int | None
    undone_by: int | None


def _entry(row: Row[Any]) -> Entry:
    return Entry(**row._mapping)


class ActivityStore:
    def __init__(self, session: AsyncSession, owner: str) -> None:
        self._session = session
        self._owner = owner

    def _mine(self, *more: ColumnElement[bool]) -> ColumnElement[bool]:
        return and_(_activity.c.user_id == self._owner, *more)

    async def _entries(self, where: ColumnElement[bool], *, lock: bool = False) -> list[Entry]:
        """Matching entries newest first; locked (in ascending order, so two lockers of
        overlapping sets queue rather than deadlock) when `lock`."""
        statement = select(*_COLUMNS).where(where)
        if lock:
            statement = statement.order_by(_activity.c.number.asc()).with_for_update()
            rows = (await self._session.execute(statement)).all()
            return [_entry(row) for row in reversed(rows)]
        rows = (await self._session.execute(statement.order_by(_activity.c.number.desc()))).all()
        return [_entry(row) for row in rows]

    async def page(
        self,
        limit: int,
        before: int | None = None,
        task: int | None = None,
        conversation: int | None = None,
    ) -> tuple[list[Entry], int | None]:
        """Up to `limit` entries older than `before`, newest first, and the `before` of the
        next page (None at the end)."""
        conditions = [
            _activity.c.number < before if before is not None else None,
            _activity.c.task_number == task if task is not None else None,
            _activity.c.conversation_number == conversation if conversation is not None else None,
        ]
        statement = (
            select(*_COLUMNS)
            .where(self._mine(*(c for c in conditions if c is not None)))
            .order_by(_activity.c.number.desc())
            .limit(limit + 1)
        )
        entries = [_entry(row) for row in (await self._session.execute(statement)).all()]
        more = len(entries) > limit
        entries = entries[:limit]
        return entries, entries[-1].number if more else None

    async def lock(self, number: int) -> Entry | None:
        found = await self._entries(self._mine(_activity.c.number == number), lock=True)
        return found[0] if found else None

    async def lock_message(self, conversation: int, message: int) -> list[Entry]:
        """The changes one assistant message made, newest first, locked."""
        where = self._mine(
            _activity.c.conversation_number == conversation,
            _activity.c.message_number == message,
        )
        return await self._entries(where, lock=True)

    async def lock_last_batch(
        self, *, conversation: int | None, source: str, not_batch: uuid.UUID | None
    ) -> list[Entry]:
        """The newest changes made together (in `conversation`, or over `source` outside any)
        that are still in effect and not undos themselves, excluding `not_batch` (the run
        asking), newest first, locked. Empty when there are none."""
        scope = (
            _activity.c.conversation_number == conversation
            if conversation is not None
            else and_(_activity.c.source == source, _activity.c.conversation_number.is_(None))
        )
        live = and_(scope, _activity.c.undone_by.is_(None), _activity.c.undo_of.is_(None))
        if not_batch is not None:
            live = and_(live, _activity.c.batch != not_batch)
        newest = (
            select(_activity.c.batch)
            .where(self._mine(live))
            .order_by(_activity.c.number.desc())
            .limit(1)
        )
        batch = (await self._session.execute(newest)).scalar()
        if batch is None:
            return []
        return await self._entries(self._mine(_activity.c.batch == batch), lock=True)

    async def latest_for_task(self, task: int, after: int) -> int | None:
        """The newest entry about `task` after entry `after`, if any."""
        statement = select(func.max(_activity.c.number)).where(
            self._mine(_activity.c.task_number == task, _activity.c.number > after)
        )
        latest: int | None = (await self._session.execute(statement)).scalar()
        return latest

    async def undos_of(self, numbers: list[int]) -> list[Entry]:
        """The entries that undid `numbers`, newest first."""
        return await self._entries(self._mine(_activity.c.undo_of.in_(numbers)))

    async def link_run(self, batch: uuid.UUID, conversation: int, message: int) -> None:
        """The run `batch` stored its answer as `message`: its entries now name it."""
        await self._session.execute(
            update(_activity)
            .where(self._mine(_activity.c.batch == batch))
            .values(conversation_number=conversation, message_number=message)
        )


async def purge_older_than(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Remove up to `limit` entries (any user's) made before `cutoff`; how many. Rows another
    transaction holds (an undo in progress) are skipped until the next round."""
    old = (
        select(_activity.c.pk)
        .where(_activity.c.at < cutoff)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        delete(_activity).where(_activity.c.pk.in_(old.scalar_subquery()))
    )
    return int(getattr(result, "rowcount", 0) or 0)
