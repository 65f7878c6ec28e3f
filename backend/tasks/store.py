"""The task store: the only code that reads or writes task rows. Every query filters by owner."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.changes import Action, Change, note
from backend.db import store_limits
from backend.errors import SearchTimedOut, TaskLimitReached
from backend.models import tasks as _tasks
from backend.sequences import next_number

TaskStatus = Literal["all", "pending", "completed"]
QUERY_CANCELED = "57014"  # SQLSTATE of a statement stopped by statement_timeout
_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class TaskRecord:
    number: int
    title: str
    description: str | None
    completed: bool
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


# A record's fields name the columns it is read from: a new column is spelled once, above.
_COLUMNS = tuple(_tasks.c[field.name] for field in fields(TaskRecord))
_OWNER = bindparam("owner", type_=_tasks.c.user_id.type)
# Built once (add_task runs it on every call); only its parameters change.
_CREATE = (
    insert(_tasks)
    .from_select(
        ["user_id", "number", "title", "description"],
        select(
            _OWNER,
            next_number(_OWNER, "task").c.last_value,
            bindparam("task_title", type_=_tasks.c.title.type),
            bindparam("task_description", type_=_tasks.c.description.type),
        ),
    )
    .returning(*_COLUMNS)
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TaskStore:
    """Task queries for one owner; the owner is fixed when the store is made."""

    def __init__(self, session: AsyncSession, owner: str) -> None:
        self._session = session
        self._owner = owner

    def _mine(self, number: int | None = None) -> ColumnElement[bool]:
        clause = _tasks.c.user_id == self._owner
        return clause if number is None else and_(clause, _tasks.c.number == number)

    async def create(self, title: str, description: str | None = None) -> TaskRecord:
        await self._check_room()
        params = {"owner": self._owner, "task_title": title, "task_description": description}
        row = (await self._session.execute(_CREATE, params)).one()
        return self._noted("created", TaskRecord(*row))

    async def _check_room(self) -> None:
        """Refuse a task beyond the per-user cap (concurrent creates may pass it by a few)."""
        cap = store_limits(self._session).tasks_per_user
        statement = select(func.count()).select_from(_tasks).where(self._mine())
        if (await self._session.scalar(statement) or 0) >= cap:
            raise TaskLimitReached(f"This user has {cap} tasks, the most allowed; delete some.")

    async def get(self, number: int) -> TaskRecord | None:
        row = (await self._session.execute(select(*_COLUMNS).where(self._mine(number)))).first()
        return TaskRecord(*row) if row else None

    async def list_tasks(
        self,
        status: TaskStatus = "all",
        query: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[TaskRecord], int]:
        """A page of tasks ordered by number, and the total matching (one round trip)."""
        statement: Select[Any] = select(*_COLUMNS, func.count().over().label("total")).where(
            self._mine()
        )
        if status != "all":
            statement = statement.where(_tasks.c.completed == (status == "completed"))
        if query:
            await self._bound_search_time()
            pattern = f"%{_escape_like(query)}%"
            statement = statement.where(
                or_(_tasks.c.title.ilike(pattern), _tasks.c.description.ilike(pattern))
            )
        statement = statement.order_by(_tasks.c.number).limit(limit).offset(offset)
        rows = await self._search_rows(statement)
        total = rows[0].total if rows else await self._count_beyond_page(status, query, offset)
        return [TaskRecord(*row[:-1]) for row in rows], total

    async def _bound_search_time(self) -> None:
        """The one statement whose cost a user controls (a search over their own texts) gets a
        statement timeout, for the rest of this transaction only (safe behind a pooler)."""
        milliseconds = store_limits(self._session).search_timeout_ms
        await self._session.execute(
            select(func.set_config("statement_timeout", f"{milliseconds}", True))
        )

    async def _search_rows(self, statement: Select[Any]) -> list[Any]:
        try:
            return list((await self._session.execute(statement)).all())
        except DBAPIError as error:
            if getattr(error.orig, "pgcode", None) == QUERY_CANCELED:
                raise SearchTimedOut() from None
            raise

    async def _count_beyond_page(self, status: TaskStatus, query: str | None, offset: int) -> int:
        # An empty page only needs a count when it is past the end of a non-empty list.
        if offset == 0:
            return 0
        _, total = await self.list_tasks(status, query, limit=1, offset=0)
        return total

    async def update(
        self,
        number: int,
        *,
        title: str = _UNSET,
        description: str | None = _UNSET,
        completed: bool = _UNSET,
    ) -> TaskRecord | None:
        values: dict[str, Any] = {"updated_at": func.now()}
        if title is not _UNSET:
            values["title"] = title
        if description is not _UNSET:
            values["description"] = description
        if completed is not _UNSET:
            values["completed"] = completed
            values["completed_at"] = case(
                (_tasks.c.completed == completed, _tasks.c.completed_at),
                else_=func.now() if completed else None,
            )
        return await self._update_returning(number, values)

    async def toggle_completed(self, number: int) -> TaskRecord | None:
        return await self._update_returning(
            number,
            {
                "completed": ~_tasks.c.completed,
                "completed_at": case((_tasks.c.completed, None), else_=func.now()),
                "updated_at": func.now(),
            },
        )

    async def _update_returning(self, number: int, values: dict[str, Any]) -> TaskRecord | None:
        statement = update(_tasks).where(self._mine(number)).values(values).returning(*_COLUMNS)
        row = (await self._session.execute(statement)).first()
        return self._noted("updated", TaskRecord(*row)) if row else None

    async def delete(self, number: int) -> TaskRecord | None:
        statement = delete(_tasks).where(self._mine(number)).returning(*_COLUMNS)
        row = (await self._session.execute(statement)).first()
        return self._noted("deleted", TaskRecord(*row)) if row else None

    def _noted(self, action: Action, record: TaskRecord) -> TaskRecord:
        note(self._session.sync_session, Change(self._owner, "task", action, record))
        return record
