"""A task title from the words a person used for it."""

from __future__ import annotations

from agent.models import linear
from agent.models.offline_refs import unquote

TITLE_MAX_CHARS = 200

_LEADING_TO = linear.compile(r"^to\s+", ignore_case=True)


def title_of(text: str) -> str:
    title = unquote(_LEADING_TO.sub("", text.strip()))[:TITLE_MAX_CHARS].strip()
    first = title[:1].upper()
    # "ß".upper() is "SS": a capital that is longer than its letter could push a title that
    # fits over the limit, so such a letter stays as written.
    return (first if len(first) == 1 else title[:1]) + title[1:]
