"""A message typed while tool calls wait: a yes, a no, or something else (docs/api.md).

Read before any model runs, so the rule holds whatever the model is."""

from typing import Literal

CONFIRMATIONS = frozenset({"yes", "y", "ok", "sure", "confirm", "do it", "go ahead"})
REFUSALS = frozenset({"no", "n", "cancel", "don't", "keep it"})


def reply_kind(message: str) -> Literal["approve", "decline"] | None:
    """ "approve" for a message that only confirms, "decline" for one that only refuses,
    None for anything else (which declines the waiting calls and is answered as usual)."""
    words = " ".join(message.replace("\u2019", "'").split()).rstrip(".!?,;: ").casefold()
    if words in CONFIRMATIONS:
        return "approve"
    if words in REFUSALS:
        return "decline"
    return None
