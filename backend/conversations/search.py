"""Searching one owner's conversations: `q` is ILIKE '%…%' on the title and on every
message's text, served by trigram indexes (docs/api.md §9, docs/limits.md "Search"). It runs
as every search does (backend/db/search.py): one at a time per user, under a timeout."""

from sqlalchemy import ColumnElement, select, union

from backend.db.models import conversations as _conv
from backend.db.models import messages as _msg
from backend.db.search import escape_like


def matching(owner: str, query: str) -> ColumnElement[bool]:
    """The conversation's title holds `query`, or one of its messages does: the keys of both
    kinds, each read from its trigram index, so only matching rows are visited (not every
    conversation of the owner). The caller keeps the owner's filter on the conversation as
    well: a message has no owner of its own."""
    pattern = f"%{escape_like(query)}%"
    by_title = select(_conv.c.pk).where(_conv.c.user_id == owner, _conv.c.title.ilike(pattern))
    by_message = select(_msg.c.conversation_pk).where(_msg.c.content.ilike(pattern))
    return _conv.c.pk.in_(union(by_title, by_message))
