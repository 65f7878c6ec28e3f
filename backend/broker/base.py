"""What every broker offers, whatever keeps the state.

Five kinds of shared state, each keyed by strings the callers choose:
- hit counters behind the per-user limits (`hit`);
- running totals that expire, such as a user's tokens today (`add`, `total`);
- each run's event log: appended by the one process that owns the run, read by any number of
  followers on any process (`append`, `follow`, `forget_after`);
- stop requests for runs, from whichever process received the request (`request_stop`,
  `wait_for_stop`);
- each user's live feed (`publish`, `subscribe`).

PostgreSQL stays the record: a broker holds only what may be lost with it.
Every method raises `BrokerUnavailable` when the shared state cannot be reached.
"""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One event of a run's log: `seq` counts from 1 within the run."""

    seq: int
    name: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FeedEvent:
    name: str
    data: dict[str, Any]


class FeedMissed(Exception):
    """A feed subscription may have missed an event: `reason` is "broker" (the broker's
    connection dropped, or a publish failed) or "behind" (the subscriber did not keep up)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Broker(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        """Count one event under `key` in a sliding window of `window_seconds`.

        None when admitted (and counted), else the seconds until the oldest counted event
        leaves the window (a refused event is not counted).
        """
        ...

    async def add(self, key: str, amount: int, ttl_seconds: int) -> int:
        """Add `amount` to the total under `key` (0 when absent or expired) and return the
        new total; the total expires `ttl_seconds` after its first amount."""
        ...

    async def total(self, key: str) -> int:
        """The total under `key`: 0 when absent or expired."""
        ...

    async def append(self, run: str, event: LoggedEvent) -> None:
        """Add the run's next event (`seq` one more than the last) and wake its followers."""
        ...

    def follow(self, run: str, after: int, idle_seconds: float) -> AsyncIterator[LoggedEvent]:
        """The run's events with `seq > after`: those logged already, then live ones as they
        are appended. Ends after nothing was appended for `idle_seconds` (the caller decides
        whether the run is still alive, and follows again from the last seq it saw). An
        unknown or forgotten run ends at once."""
        ...

    async def forget_after(self, run: str, seconds: float) -> None:
        """The run has ended: keep its log `seconds` more for late followers, then drop it."""
        ...

    async def logged(self, run: str) -> bool:
        """Whether the run's log is kept (it has events and was not forgotten)."""
        ...

    async def first_kept(self, run: str) -> int | None:
        """The seq of the first event the run's log still holds (more than 1 once a long log
        was trimmed, or after Redis lost its start); None when nothing is kept."""
        ...

    async def request_stop(self, run: str) -> None:
        """Ask the run's owner, wherever it is, to stop the run."""
        ...

    async def wait_for_stop(self, run: str) -> None:
        """Returns when a stop for `run` is requested (at once if one already was). The run's
        owner waits on it, in a task of its own, for the run's lifetime."""
        ...

    async def publish(self, user: str, event: FeedEvent) -> None:
        """Send one event to every open feed of `user`, on every process."""
        ...

    def subscribe(self, user: str) -> AbstractAsyncContextManager[AsyncIterator[FeedEvent]]:
        """While entered: every event published to `user` from then on. The iterator raises
        `FeedMissed` as soon as it may have missed one."""
        ...

    async def ready(self) -> bool:
        """Whether the shared state answers right now (readiness)."""
        ...

    async def close(self) -> None: ...
