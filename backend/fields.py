"""Text field types that reject what PostgreSQL cannot store (NUL, lone surrogates) with 422."""

import re
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


StorableStr = Annotated[str, AfterValidator(_storable)]
# Kept exactly as sent (not trimmed), but something must be said.
MessageText = Annotated[
    StorableStr, StringConstraints(min_length=1, max_length=4000), AfterValidator(_not_blank)
]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128), AfterValidator(_storable)]
TaskTitle = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_storable),
]
TaskDescription = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_storable)]
SearchQuery = Annotated[str, StringConstraints(max_length=200), AfterValidator(_storable)]
IdempotencyKeyText = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
]


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_zone_name(value: str) -> bool:
    return value in _zone_names()


def _known_zone(value: str) -> str:
    # Membership in the IANA list, not ZoneInfo(value): that would also open paths it is given.
    if not is_zone_name(value):
        raise ValueError('must be an IANA time zone name such as "Europe/Berlin" or "UTC"')
    return value


TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_known_zone)]


def _unique_in_order(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _tag(value: str) -> str:
    tag = value.strip().lower()
    if not tag:
        raise ValueError("must not be blank")
    if len(tag) > 30:  # lower-casing can lengthen ("İ" is two characters lower-cased)
        raise ValueError("must be at most 30 characters lower-cased")
    return tag


# At most 30 characters as sent (so the schema's maxLength holds), then trimmed and lower-cased.
TaskTag = Annotated[
    str,
    StringConstraints(min_length=1, max_length=30),
    AfterValidator(_storable),
    AfterValidator(_tag),
]
# Up to 10 as sent; repeats (after lower-casing) are dropped, the first one's place kept.
TaskTags = Annotated[list[TaskTag], Field(max_length=10), AfterValidator(_unique_in_order)]

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def _rfc3339(value: object) -> object:
    """Text in RFC 3339's shape only: pydantic alone would also take 1.5 (seconds since 1970)."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("must be a date-time with an offset, such as 2026-12-05T17:00:00+01:00")
    return value


# An instant as a client writes it: a date-time with its UTC offset.
Moment = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
