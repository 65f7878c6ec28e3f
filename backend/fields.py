"""Text field types that reject what PostgreSQL cannot store (NUL, lone surrogates) with 422."""

from typing import Annotated

from pydantic import AfterValidator, StringConstraints


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
