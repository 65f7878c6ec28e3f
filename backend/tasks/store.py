"""The task store: the only code that reads or writes task rows. Every query filters by owner
(the reminder claim, a job for every user, hands each task back with its owner)."""

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict, Unpack
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    nulls_last,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.activity.record import REST, ActivityAction, Origin, record_change
from backend.db.engine import store_limits
from backend.db.models import tasks as _tasks
from backend.db.search import begin_search, escape_like, search_rows
from backend.db.sequences import next_number
from backend.feed.changes import Action, Change, note
from backend.http.errors import TaskLimitReached
from backend.tasks.recurrence import Recurrence, next_occurrence

TaskStatus = Literal["all", "pending", "completed"]
Priority = Literal["low", "medium", "high"]
TaskSort = Literal["id", "due_at", "priority", "title", "created_at", "updated_at"]
SortOrder = Literal["asc", "desc"]

# Stored as a rank so that it sorts and compares as a number.
_RANK: dict[Priority, int] = {"low": 1, "medium": 2, "high": 3}
_PRIORITY: dict[int, Priority] = {rank: name for name, rank in _RANK.items()}


@dataclass(frozen=True, slots=True)
class TaskRecord:
    number: int
    title: str
    description: str | None
    completed: bool
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    priority: Priority | None = None
    tags: tuple[str, ...] = ()
    due_at: datetime | None = None
    recurrence: Recurrence | None = None
    remind_at: datetime | None = None
    time_zone: str = "UTC"


# A record's fields name the columns it is read from: a new column is spelled once, above.
_RECORD_FIELDS = [f.name for f in dataclasses.fields(TaskRecord)]
_COLUMNS = tuple(_tasks.c[name] for name in _RECORD_FIELDS)
# What an activity snapshot keeps: the record, and which reminder already went out.
_SNAPSHOT_COLUMNS = (*_COLUMNS, _tasks.c.reminded_at)
# Restored as they were; updated_at becomes the time of the restore.
_RESTORED_FIELDS = (
    "title",
    "description",
    "completed",
    "completed_at",
    "priority",
    "tags",
    "due_at",
    "recurrence",
    "remind_at",
    "time_zone",
)


def _record(row: Row[Any] | Sequence[Any]) -> TaskRecord:
    """The record of a row that starts with `_COLUMNS` (the priority by name, tags a tuple)."""
    values: dict[str, Any] = dict(zip(_RECORD_FIELDS, row, strict=False))
    rank = values["priority"]
    values["priority"] = _PRIORITY[rank] if rank is not None else None
    values["tags"] = tuple(values["tags"])
    return TaskRecord(**values)


def _snapshot(row: Row[Any] | Sequence[Any]) -> dict[str, Any]:
    """A row of `_SNAPSHOT_COLUMNS` as the JSON an activity entry keeps (`id` is the number)."""
    record = _record(row)
    values: dict[str, Any] = dataclasses.asdict(record) | {"reminded_at": row[len(_COLUMNS)]}
    values["id"] = values.pop("number")
    values["tags"] = list(record.tags)
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in values.items()
    }


def _from_snapshot(snapshot: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """Column values for `names` from a snapshot (times parsed, the priority as its rank)."""
    values: dict[str, Any] = {}
    for name in names:
        value = snapshot.get(name)
        if name.endswith("_at") and isinstance(value, str):
            value = datetime.fromisoformat(value)
        values[name] = value
    return _stored(values)


def _action_of(before: Mapping[str, Any], after: Mapping[str, Any]) -> ActivityAction:
    if before["completed"] != after["completed"]:
        return "completed" if after["completed"] else "reopened"
    return "updated"


@dataclass(frozen=True, slots=True)
class TaskChange:
    """An updated task and, when completing a recurring one created it, the next occurrence."""

    task: TaskRecord
    next_task: TaskRecord | None = None


class TaskFields(TypedDict, total=False):
    """What a new task may have besides its title (absent keys take the default)."""

    description: str | None
    priority: Priority | None
    tags: Sequence[str]
    due_at: datetime | None
    recurrence: Recurrence | None
    remind_at: datetime | None
    time_zone: str


class TaskChanges(TaskFields, total=False):
    """What an update may change; absent keys keep their value."""

    title: str
    completed: bool


@dataclass(frozen=True, slots=True)
class TaskFilter:
    status: TaskStatus = "all"
    query: str | None = None
    priority: Priority | None = None
    tags: Sequence[str] = field(default_factory=tuple)
    due_before: datetime | None = None
    due_after: datetime | None = None
    overdue: bool = False


class RecurrenceNeedsDueDate(ValueError):
    """A recurrence on a task without a due date (set so, or its due date cleared)."""


_OWNER = bindparam("owner", type_=_tasks.c.user_id.type)
_NEW_FIELDS = ("description", "priority", "tags", "due_at", "recurrence", "remind_at", "time_zone")
# Room under the per-user cap, checked by the statement that creates the task (one round
# trip per add_task): concurrent creates may pass the cap by a few.
_HAS_ROOM = select(func.count()).select_from(_tasks).where(
    _tasks.c.user_id == _OWNER
).scalar_subquery() < bindparam("cap")
# Built once (add_task runs it on every call); only its parameters change. No row back: the
# user is at the cap.
_CREATE = (
    insert(_tasks)
    .from_select(
        ["user_id", "number", "title", *_NEW_FIELDS],
        select(
            _OWNER,
            next_number(_OWNER, "task", only_if=_HAS_ROOM).c.last_value,
            bindparam("title", type_=_tasks.c.title.type),
            *(bindparam(name, type_=_tasks.c[name].type) for name in _NEW_FIELDS),
        ),
    )
    .returning(*_SNAPSHOT_COLUMNS)
)
_SORTS = {
    "due_at": _tasks.c.due_at,
    "title": _tasks.c.title,
    "created_at": _tasks.c.created_at,
    "updated_at": _tasks.c.updated_at,
}


def _stored(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for `fields` (the priority as its rank, tags as a list)."""
    values: dict[str, Any] = dict(fields)
    if "priority" in values:
        values["priority"] = _RANK[values["priority"]] if values["priority"] else None
    if "tags" in values:
        values["tags"] = list(values["tags"])
    return values


def _order_by(sort: TaskSort, order: SortOrder) -> list[ColumnElement[Any]]:
    """Tasks without the sorted value come last either way; ties go by number."""
    if sort == "id":
        number = _tasks.c.number
        return [number.desc() if order == "desc" else number.asc()]
    if sort == "priority":  # "asc" ranks high first
        column, descending = _tasks.c.priority, order == "asc"
    else:
        column, descending = _SORTS[sort], order == "desc"
    return [nulls_last(column.desc() if descending else column.asc()), _tasks.c.number.asc()]


class TaskStore:
    """Task queries for one owner; the owner is fixed when the store is made, and so is the
    origin every change it makes is recorded under (backend/activity/record.py)."""

    def __init__(self, session: AsyncSession, owner: str, origin: Origin = REST) -> None:
        self._session = session
        self._owner = owner
        self._origin = origin.batched()

    def _mine(self, number: int | None = None) -> ColumnElement[bool]:
        clause = _tasks.c.user_id == self._owner
        return clause if number is None else and_(clause, _tasks.c.number == number)

    async def create(self, title: str, **fields: Unpack[TaskFields]) -> TaskRecord:
        """The new task, or TaskLimitReached beyond the per-user cap (nothing stored, no
        number used up)."""
        cap = store_limits(self._session).tasks_per_user
        params = dict.fromkeys(_NEW_FIELDS) | {"tags": [], "time_zone": "UTC"}
        params |= _stored(fields) | {"owner": self._owner, "title": title, "cap": cap}
        row = (await self._execute(_CREATE, params)).first()
        if row is None:
            raise TaskLimitReached(f"This user has {cap} tasks, the most allowed; delete some.")
        await self._write_entry("created", None, _snapshot(row))
        return self._noted("created", _record(row))

    async def get(self, number: int) -> TaskRecord | None:
        row = (await self._session.execute(select(*_COLUMNS).where(self._mine(number)))).first()
        return _record(row) if row else None

    async def list_tasks(
        self,
        filters: TaskFilter | None = None,
        *,
        sort: TaskSort = "id",
        order: SortOrder = "asc",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[TaskRecord], int]:
        """A page of matching tasks, and how many match in all (one round trip)."""
        filters = filters or TaskFilter()
        statement: Select[Any] = (
            select(*_COLUMNS, func.count().over().label("total"))
            .where(self._mine(), *self._conditions(filters))
            .order_by(*_order_by(sort, order))
            .limit(limit)
            .offset(offset)
        )
        if filters.query:
            await begin_search(self._session, self._owner)
        rows = await search_rows(self._session, statement)
        total = rows[0].total if rows else await self._count_beyond_page(filters, offset)
        return [_record(row) for row in rows], total

    @staticmethod
    def _conditions(filters: TaskFilter) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.status != "all":
            conditions.append(_tasks.c.completed == (filters.status == "completed"))
        if filters.query:
            pattern = f"%{escape_like(filters.query)}%"
            conditions.append(
                or_(_tasks.c.title.ilike(pattern), _tasks.c.description.ilike(pattern))
            )
        if filters.priority:
            conditions.append(_tasks.c.priority == _RANK[filters.priority])
        if filters.tags:
            conditions.append(_tasks.c.tags.contains(list(filters.tags)))
        if filters.due_before:
            conditions.append(_tasks.c.due_at <= filters.due_before)
        if filters.due_after:
            conditions.append(_tasks.c.due_at >= filters.due_after)
        if filters.overdue:
            # The app's clock, not PostgreSQL's: one "now" for the whole app (and the one a
            # test sets).
            conditions.append(and_(_tasks.c.due_at < datetime.now(UTC), ~_tasks.c.completed))
        return conditions

    async def _count_beyond_page(self, filters: TaskFilter, offset: int) -> int:
        # An empty page only needs a count when it is past the end of a non-empty list.
        if offset == 0:
            return 0
        _, total = await self.list_tasks(filters, limit=1, offset=0)
        return total

    async def tags(self) -> list[tuple[str, int]]:
        """Each tag the owner uses and on how many tasks, most used first."""
        tag = func.unnest(_tasks.c.tags).label("tag")
        inner = select(tag).where(self._mine()).subquery()
        count = func.count().label("count")
        statement = (
            select(inner.c.tag, count).group_by(inner.c.tag).order_by(count.desc(), inner.c.tag)
        )
        return [(name, n) for name, n in (await self._session.execute(statement)).all()]

    async def update(self, number: int, **fields: Unpack[TaskChanges]) -> TaskChange | None:
        """Change the given fields. Completing a recurring task also creates its next
        occurrence, in the same transaction; un-completing creates nothing."""
        before = await self.snapshot_locked(number)
        if before is None:
            return None
        values = _stored(fields) | {"updated_at": func.now()}
        if "completed" in fields:
            values["completed_at"] = case(
                (_tasks.c.completed == fields["completed"], _tasks.c.completed_at),
                else_=func.now() if fields["completed"] else None,
            )
        completing = fields.get("completed") and not before["completed"]
        if not completing:
            return TaskChange(await self._set(number, values, before))
        # The next occurrence first: its number, then every entry's, are taken in the order a
        # plain create takes them, so a concurrent create by the same user cannot deadlock.
        row = await self._apply(number, values)
        following = await self._next_occurrence(_record(row))
        return TaskChange(await self._written(row, before), following)

    async def toggle_completed(self, number: int) -> TaskChange | None:
        before = await self.snapshot_locked(number)
        if before is None:
            return None
        return await self.update(number, completed=not before["completed"])

    async def snapshot_locked(self, number: int) -> dict[str, Any] | None:
        """The task as an activity entry keeps it, locked until commit; None when not found."""
        statement = select(*_SNAPSHOT_COLUMNS).where(self._mine(number)).with_for_update()
        row = (await self._session.execute(statement)).first()
        return _snapshot(row) if row else None

    async def _set(self, number: int, values: dict[str, Any], before: dict[str, Any]) -> TaskRecord:
        return await self._written(await self._apply(number, values), before)

    async def _apply(self, number: int, values: dict[str, Any]) -> Row[Any]:
        statement = (
            update(_tasks).where(self._mine(number)).values(values).returning(*_SNAPSHOT_COLUMNS)
        )
        row: Row[Any] = (await self._execute(statement)).one()  # locked by snapshot_locked
        return row

    async def _written(self, row: Row[Any], before: dict[str, Any]) -> TaskRecord:
        after = _snapshot(row)
        await self._write_entry(_action_of(before, after), before, after)
        return self._noted("updated", _record(row))

    async def revert(self, number: int, to: Mapping[str, Any], now: dict[str, Any]) -> TaskRecord:
        """Undo: put the task's fields back as `to` has them (`now` is its locked snapshot).
        A reminder `to` had already sent stays sent."""
        values = _from_snapshot(to, _RESTORED_FIELDS) | {"updated_at": func.now()}
        if to["remind_at"] is not None and to["reminded_at"] == to["remind_at"]:
            values["reminded_at"] = _from_snapshot(to, ["reminded_at"])["reminded_at"]
        return await self._set(number, values, now)

    async def restore(self, snapshot: Mapping[str, Any]) -> TaskRecord:
        """Undo a delete: the task returns with its number (never handed out again) and every
        field, its reminder sent only if it was not sent before."""
        names = (*_RESTORED_FIELDS, "created_at", "reminded_at")
        values = _from_snapshot(snapshot, names) | {
            "user_id": self._owner,
            "number": snapshot["id"],
        }
        statement = insert(_tasks).values(values).returning(*_SNAPSHOT_COLUMNS)
        row = (await self._execute(statement)).one()
        await self._write_entry("restored", None, _snapshot(row))
        return self._noted("created", _record(row))

    async def _next_occurrence(self, done: TaskRecord) -> TaskRecord | None:
        if done.recurrence is None or done.due_at is None:
            return None
        now = datetime.now(UTC)
        zone = ZoneInfo(done.time_zone)
        following = next_occurrence(done.due_at, done.remind_at, done.recurrence, zone, now)
        system = Origin("system", self._origin.conversation, self._origin.batch)
        return await TaskStore(self._session, self._owner, system).create(
            done.title,
            description=done.description,
            priority=done.priority,
            tags=done.tags,
            due_at=following.due_at,
            recurrence=done.recurrence,
            remind_at=following.remind_at,
            time_zone=done.time_zone,
        )

    async def delete(self, number: int) -> TaskRecord | None:
        statement = delete(_tasks).where(self._mine(number)).returning(*_SNAPSHOT_COLUMNS)
        row = (await self._session.execute(statement)).first()
        if row is None:
            return None
        await self._write_entry("deleted", _snapshot(row), None)
        return self._noted("deleted", _record(row))

    async def _write_entry(
        self, action: ActivityAction, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        number = (after or before or {})["id"]
        await record_change(self._session, self._owner, self._origin, action, number, before, after)

    def _noted(self, action: Action, record: TaskRecord) -> TaskRecord:
        note(self._session.sync_session, Change(self._owner, "task", action, record))
        return record

    async def _execute(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        try:
            return await self._session.execute(statement, params)
        except IntegrityError as error:
            if "recurrence_needs_due_at" in str(error.orig):  # the constraint's name
                raise RecurrenceNeedsDueDate("a recurring task needs a due date") from None
            raise


@dataclass(frozen=True, slots=True)
class DueReminder:
    owner: str
    task: TaskRecord


async def claim_due_reminders(session: AsyncSession, limit: int = 100) -> list[DueReminder]:
    """Mark up to `limit` reminders whose time has come as sent, and return them. Each
    (task, remind_at) is claimed once: concurrent claimers skip the rows another holds, and a
    claimed row no longer matches. Completed tasks are not reminded."""
    unsent = and_(
        ~_tasks.c.completed,
        _tasks.c.reminded_at.is_distinct_from(_tasks.c.remind_at),
        _tasks.c.remind_at <= datetime.now(UTC),  # the app's clock, as for `overdue`
    )
    due = (
        select(_tasks.c.pk)
        .where(unsent)
        .order_by(_tasks.c.remind_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(_tasks)
        .where(_tasks.c.pk.in_(due.scalar_subquery()))
        .values(reminded_at=_tasks.c.remind_at)
        .returning(_tasks.c.user_id, *_COLUMNS)
    )
    rows = (await session.execute(statement)).all()
    return [DueReminder(row[0], _record(row[1:])) for row in rows]
