"""Changes a transaction made, noted where they happen and announced once it commits.

A store notes each row it changes on the session; what the session's owner does with them
after the commit (the live feed publishes them) is wired elsewhere, so no store knows about
feeds, brokers or response shapes, and no surface can change a row without it being noted.
"""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

_KEY = "todo_chat_changes"

Action = Literal["created", "updated", "deleted"]


@dataclass(frozen=True, slots=True)
class Change:
    owner: str
    kind: Literal["task", "conversation"]
    action: Action
    record: object  # the store's record of the row as it is now (as it was, for `deleted`)


def note(session: Session, change: Change) -> None:
    session.info.setdefault(_KEY, []).append(change)


def take(session: Session) -> list[Change]:
    """The changes noted since the last take (and forgets them)."""
    changes: list[Change] = session.info.pop(_KEY, [])
    return changes
