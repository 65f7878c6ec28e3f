"""The feeds of this process's subscribers, as both brokers deliver them: one bounded queue
per subscription. A subscription that may have missed an event (it fell FEED_BUFFER events
behind, or the broker lost its connection for a moment) ends with `FeedMissed` at once,
rather than carrying on with a hole in it: the client reloads (docs/api.md §13)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Literal

from backend.broker.base import FeedEvent, FeedMissed

# Events a subscription holds before it counts as behind.
FEED_BUFFER = 1_000


class FeedQueue:
    """One subscription's events, in order."""

    def __init__(self, size: int = FEED_BUFFER) -> None:
        self._queue: asyncio.Queue[FeedEvent | None] = asyncio.Queue(size + 1)
        self._size = size
        self._missed: Literal["behind", "broker"] | None = None
        # Set once the broker listens for it: a connection made for its own subscription
        # (a reconnection) lost nothing this feed was promised.
        self.listening = False

    def put(self, event: FeedEvent) -> None:
        """Never waits: a subscriber with `size` events unread has missed this one."""
        if self._missed is not None:
            return
        if self._queue.qsize() >= self._size:
            self.missed("behind")
            return
        self._queue.put_nowait(event)

    def missed(self, why: Literal["behind", "broker"]) -> None:
        """The subscription may lack an event: its reader learns so before anything else."""
        if self._missed is None:
            self._missed = why
            self._queue.put_nowait(None)  # wakes a waiting reader; room was kept for it

    async def events(self) -> AsyncIterator[FeedEvent]:
        """Each event as it comes, waiting for the next; ends only with `FeedMissed`."""
        while True:
            if self._missed is not None:
                raise FeedMissed(self._missed)
            event = await self._queue.get()
            if event is not None:
                yield event


class LocalFeeds:
    """Each user's subscriptions in this process."""

    def __init__(self) -> None:
        self._feeds: dict[str, set[FeedQueue]] = {}

    def add(self, user: str, *, listening: bool = True) -> FeedQueue:
        queue = FeedQueue()
        queue.listening = listening
        self._feeds.setdefault(user, set()).add(queue)
        return queue

    def remove(self, user: str, queue: FeedQueue) -> None:
        feeds = self._feeds.get(user, set())
        feeds.discard(queue)
        if not feeds:
            self._feeds.pop(user, None)

    def subscribers(self, user: str) -> int:
        return len(self._feeds.get(user, ()))

    def deliver(self, user: str, event: FeedEvent) -> None:
        for queue in self._feeds.get(user, ()):
            queue.put(event)

    def missed(self, user: str | None = None) -> None:
        """Every subscription of `user` (of everyone when None) may have missed events."""
        users = list(self._feeds) if user is None else [user]
        for name in users:
            for queue in self._feeds.get(name, ()):
                if queue.listening:
                    queue.missed("broker")
