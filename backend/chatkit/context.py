"""What one ChatKit request carries through the SDK to our store and server."""

from dataclasses import dataclass

from chatkit.types import ThreadItem

from backend.chatkit.turns import Turn


@dataclass
class RequestContext:
    owner: str  # the verified token's user: every store call is filtered by it
    timezone: str = "UTC"  # the person's IANA zone (the request's `metadata.timezone`)
    turn: Turn | None = None  # the run this request started, once it has
    # The question item a `threads.add_structured_input` answers, as it was before the
    # answer resumed the run (the SDK loads it again after).
    question: ThreadItem | None = None
