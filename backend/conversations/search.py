"""Searching one owner's conversations: `q` is ILIKE '%…%' on the title and on every
message's text, served by trigram indexes (docs/api.md §9, docs/limits.md "Search")."""

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, union
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.engine import store_limits
from backend.db.models import conversations as _conv
from backend.db.models import messages as _msg
from backend.http.errors import SearchTimedOut

QUERY_CANCELED = "57014"  # SQLSTATE of a statement stopped by statement_timeout


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching(owner: str, query: str) -> ColumnElement[bool]:
    """The conversation's title holds `query`, or one of its messages does: the keys of both
    kinds, each read from its trigram index, so only matching rows are visited (not every
    conversation of the owner). The caller keeps the owner's filter on the conversation as
    well: a message has no owner of its own."""
    pattern = f"%{escape_like(query)}%"
    by_title = select(_conv.c.pk).where(_conv.c.user_id == owner, _conv.c.title.ilike(pattern))
    by_message = select(_msg.c.conversation_pk).where(_msg.c.content.ilike(pattern))
    return _conv.c.pk.in_(union(by_title, by_message))


async def bound_search_time(session: AsyncSession) -> None:
    """A search over a user's own texts is the one statement whose cost they control: it gets
    a statement timeout for the rest of this transaction (safe behind a pooler)."""
    milliseconds = store_limits(session).search_timeout_ms
    await session.execute(select(func.set_config("statement_timeout", f"{milliseconds}", True)))


async def search_rows(
    session: AsyncSession, statement: Select[Any], params: dict[str, Any]
) -> list[Any]:
    try:
        return list((await session.execute(statement, params)).all())
    except DBAPIError as error:
        if getattr(error.orig, "pgcode", None) == QUERY_CANCELED:
            raise SearchTimedOut() from None
        raise
