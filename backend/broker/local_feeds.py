"""The feeds of this process's subscribers, as both brokers deliver them: one bounded queue
per subscription, and a subscriber that does not keep up loses its oldest events rather than
growing without bound (or slowing the publisher)."""

import asyncio
from collections.abc import AsyncIterator

from backend.broker.base import FeedEvent

# Events a subscription holds before the oldest is dropped.
FEED_BUFFER = 1_000


class FeedQueue:
    """One subscription's events, in order."""

    def __init__(self, size: int = FEED_BUFFER) -> None:
        self._queue: asyncio.Queue[FeedEvent] = asyncio.Queue(size)

    def put(self, event: FeedEvent) -> None:
        """Never waits: when full, the oldest event gives way."""
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(event)

    async def events(self) -> AsyncIterator[FeedEvent]:
        """Each event as it comes, waiting for the next; never ends by itself."""
        while True:
            yield await self._queue.get()


class LocalFeeds:
    """Each user's subscriptions in this process."""

    def __init__(self) -> None:
        self._feeds: dict[str, set[FeedQueue]] = {}

    def add(self, user: str) -> FeedQueue:
        queue = FeedQueue()
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
