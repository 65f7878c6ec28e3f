"""What every search over a user's own texts shares (tasks' `q`, the `list_tasks` tool's
`query`, conversations' `q`): the one kind of statement whose cost a user controls, since
they wrote the texts it matches (docs/limits.md "Tasks and search").

A search runs one at a time per user, on every process and replica: a transaction-level
advisory lock, tried and never waited for (a second search at once is `SearchBusy`), released
at commit, so safe behind a transaction pooler. Ten searches a second, each up to the timeout,
had taken the pool from everyone else. And it runs under a statement timeout for the rest of
its transaction (`SearchTimedOut` past it).
"""

from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.engine import store_limits
from backend.http.errors import SearchBusy, SearchTimedOut

QUERY_CANCELED = "57014"  # SQLSTATE of a statement stopped by statement_timeout
_LOCK_SPACE = 0x73726368  # "srch"
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:space, hashtext(:owner))")


def escape_like(query: str) -> str:
    """`query` as literal text inside a LIKE pattern."""
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def begin_search(session: AsyncSession, owner: str) -> None:
    """Take `owner`'s search turn for this transaction and bound its statements' time."""
    if not await session.scalar(_TRY_LOCK, {"space": _LOCK_SPACE, "owner": owner}):
        raise SearchBusy()
    milliseconds = store_limits(session).search_timeout_ms
    await session.execute(select(func.set_config("statement_timeout", f"{milliseconds}", True)))


async def search_rows(
    session: AsyncSession, statement: Select[Any], params: dict[str, Any] | None = None
) -> list[Any]:
    """The statement's rows; `SearchTimedOut` when the timeout stopped it."""
    try:
        return list((await session.execute(statement, params or {})).all())
    except DBAPIError as error:
        if getattr(error.orig, "pgcode", None) == QUERY_CANCELED:
            raise SearchTimedOut() from None
        raise
