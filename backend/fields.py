"""Text field types that reject what PostgreSQL cannot store (NUL, lone surrogates) with 422."""

from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, StringConstraints


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


def _known_zone(value: str) -> str:
    # Membership in the IANA list, not ZoneInfo(value): that would also open paths it is given.
    if value not in _zone_names():
        raise ValueError('must be an IANA time zone name such as "Europe/Berlin" or "UTC"')
    return value


TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_known_zone)]


def _unique_in_order(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


TaskTag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=30),
    AfterValidator(_storable),
]
# Up to 10 as sent; repeats (after lower-casing) are dropped, the first one's place kept.
TaskTags = Annotated[list[TaskTag], Field(max_length=10), AfterValidator(_unique_in_order)]
