"""Field types shared by every surface (REST, chat, the MCP tools): text PostgreSQL can store,
one rule for "has visible content", strict numbers and flags."""

import re
import unicodedata
from datetime import UTC, datetime
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
)

MAX_ROW_NUMBER = 2_147_483_647
# Unicode categories that draw nothing by themselves: separators (spaces), controls, format
# characters (U+200B, U+FEFF, U+2060…), unassigned code points, and combining marks, which
# only decorate a character before them.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Cn", "Mn", "Me"})
# Letters and symbols that are blank by design.
_BLANK_CHARACTERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")
_PLAIN_DECIMAL = re.compile(r"[0-9]{1,10}")


def is_visible(character: str) -> bool:
    return (
        unicodedata.category(character) not in _INVISIBLE_CATEGORIES
        and character not in _BLANK_CHARACTERS
    )


def has_visible_content(text: str) -> bool:
    """The one rule for blank, whatever the surface: something a person can see."""
    return any(is_visible(character) for character in text)


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


def _visible(value: str) -> str:
    if not has_visible_content(value):
        raise ValueError("must contain a visible character (not only spaces or invisibles)")
    return value


def _plain_decimal(value: object) -> object:
    """Path ids: `7`, never `7.0`, `+7`, ` 7` or other digits Python's int() would read."""
    if isinstance(value, str) and not _PLAIN_DECIMAL.fullmatch(value):
        raise ValueError("must be a number written in plain decimal digits")
    return value


StorableStr = Annotated[str, AfterValidator(_storable)]
# Kept exactly as sent (not trimmed), but something must be said.
MessageText = Annotated[
    StorableStr, StringConstraints(min_length=1, max_length=4000), AfterValidator(_visible)
]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128), AfterValidator(_storable)]
TaskTitle = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_storable),
    AfterValidator(_visible),
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
# JSON bodies: a number is a JSON integer and a flag is true or false (no "1", 1.0, "yes").
RowNumber = Annotated[int, Strict(), Field(ge=1, le=MAX_ROW_NUMBER)]
Flag = Annotated[bool, Strict()]
# Path segments: plain decimal digits.
PathNumber = Annotated[int, BeforeValidator(_plain_decimal)]


def _unique_in_order(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# Inside a tag: no line breaks, control or format characters, unassigned code points, or
# spaces other than the plain one (a label drawn on one line must not hide or recolour text).
_TAG_FORBIDDEN_CATEGORIES = frozenset({"Zl", "Zp", "Cc", "Cf", "Cs", "Cn", "Co"})


def _tag_character_allowed(character: str) -> bool:
    category = unicodedata.category(character)
    if category == "Zs":
        return character == " "
    return category not in _TAG_FORBIDDEN_CATEGORIES and character not in _BLANK_CHARACTERS


def _tag(value: str) -> str:
    tag = value.strip().lower()
    if not tag:
        raise ValueError("must not be blank")
    if not all(_tag_character_allowed(character) for character in tag):
        raise ValueError(
            "must be letters, digits, marks, punctuation, symbols and plain spaces "
            "(no control, format or invisible characters)"
        )
    _visible(tag)
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


# The instants a task may name. Python's datetime ends at year 9999 in UTC (so
# 9999-12-31T23:59:59-14:00 cannot even be converted), and a recurring task's next occurrence
# or its moved reminder lies beyond the date it follows: a margin of centuries keeps every
# step of that arithmetic inside what Python and PostgreSQL can hold.
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(9000, 1, 1, tzinfo=UTC)
MOMENT_RANGE = "between 1900-01-01T00:00:00Z and 9000-01-01T00:00:00Z"


def check_moment(value: datetime) -> datetime:
    """ValueError for an instant outside the range above (comparing never overflows)."""
    if not EARLIEST_MOMENT <= value < LATEST_MOMENT:
        raise ValueError(f"must be {MOMENT_RANGE}")
    return value


# An instant as a client writes it: a date-time with its UTC offset, within the range above.
Moment = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(check_moment)]
