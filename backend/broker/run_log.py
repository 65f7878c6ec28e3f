"""One run's events as one process holds them, with followers waiting for more."""

import asyncio
from collections.abc import AsyncIterator

from backend.broker.base import LoggedEvent


class RunLog:
    """Events in `seq` order with no gap, starting after `base` (0: from the first event)."""

    def __init__(self, base: int = 0) -> None:
        self.base = base
        self.events: list[LoggedEvent] = []
        self.closed = False
        # Set (and replaced) on every change: a follower waits on the one it saw last.
        self._changed = asyncio.Event()

    @property
    def last_seq(self) -> int:
        return self.base + len(self.events)

    def add(self, event: LoggedEvent) -> bool:
        """Add the next event; False (and nothing added) when it would leave a gap."""
        if event.seq <= self.last_seq:
            return True  # already held: a second delivery of the same event
        if event.seq != self.last_seq + 1:
            return False
        self.events.append(event)
        self._wake()
        return True

    def close(self) -> None:
        """No more events will come: followers end once they have read what is here."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def covers(self, after: int) -> bool:
        return after >= self.base

    async def follow(self, after: int, idle_seconds: float) -> AsyncIterator[LoggedEvent]:
        """Events with `seq > after` (the caller checked `covers(after)`), then live ones, until
        the log closes or nothing comes for `idle_seconds`."""
        while True:
            while after < self.last_seq:
                event = self.events[after - self.base]
                after = event.seq
                yield event
            if self.closed:
                return
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation
            # that arrives as the event is set, and the follower would outlive its viewer.
            try:
                async with asyncio.timeout(idle_seconds):
                    await self._changed.wait()
            except TimeoutError:
                return
