"""The broker of a single process: plain data structures on the event loop."""

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from backend.broker.base import FeedEvent, LoggedEvent
from backend.broker.run_log import RunLog

# Windows of keys not seen for a while are dropped first once this many are tracked.
MAX_TRACKED_KEYS = 100_000
# A feed that does not keep up loses its oldest events rather than growing without bound.
FEED_BUFFER = 1_000


class MemoryBroker:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: OrderedDict[str, deque[float]] = OrderedDict()
        self._logs: dict[str, RunLog] = {}
        self._expiries: dict[str, asyncio.TimerHandle] = {}
        self._stops: dict[str, asyncio.Event] = {}
        self._feeds: dict[str, set[asyncio.Queue[FeedEvent]]] = {}

    async def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        now = self._clock()
        recent = self._windows.pop(key, None) or deque()
        while recent and recent[0] <= now - window_seconds:
            recent.popleft()
        self._windows[key] = recent  # most recently seen last
        if len(self._windows) > MAX_TRACKED_KEYS:
            self._windows.popitem(last=False)
        if len(recent) >= limit:
            return recent[0] + window_seconds - now
        recent.append(now)
        return None

    async def append(self, run: str, event: LoggedEvent) -> None:
        self._logs.setdefault(run, RunLog()).add(event)

    async def follow(self, run: str, after: int, idle_seconds: float) -> AsyncIterator[LoggedEvent]:
        log = self._logs.get(run)
        if log is None or not log.covers(after):
            return
        async for event in log.follow(after, idle_seconds):
            yield event

    async def forget_after(self, run: str, seconds: float) -> None:
        self._stops.pop(run, None)
        if run in self._expiries:
            self._expiries.pop(run).cancel()
        loop = asyncio.get_running_loop()
        self._expiries[run] = loop.call_later(seconds, self._forget, run)

    def _forget(self, run: str) -> None:
        self._expiries.pop(run, None)
        log = self._logs.pop(run, None)
        if log is not None:
            log.close()

    async def logged(self, run: str) -> bool:
        return run in self._logs

    async def first_kept(self, run: str) -> int | None:
        log = self._logs.get(run)
        return None if log is None or not log.events else log.base + 1

    async def request_stop(self, run: str) -> None:
        self._stops.setdefault(run, asyncio.Event()).set()

    async def wait_for_stop(self, run: str) -> None:
        await self._stops.setdefault(run, asyncio.Event()).wait()

    async def publish(self, user: str, event: FeedEvent) -> None:
        for queue in self._feeds.get(user, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, user: str) -> AsyncIterator[AsyncIterator[FeedEvent]]:
        queue: asyncio.Queue[FeedEvent] = asyncio.Queue(FEED_BUFFER)
        self._feeds.setdefault(user, set()).add(queue)
        try:
            yield _drain(queue)
        finally:
            feeds = self._feeds[user]
            feeds.discard(queue)
            if not feeds:
                del self._feeds[user]

    async def ready(self) -> bool:
        return True

    async def close(self) -> None:
        for handle in self._expiries.values():
            handle.cancel()
        self._expiries.clear()
        self._logs.clear()
        self._windows.clear()


async def _drain(queue: "asyncio.Queue[FeedEvent]") -> AsyncIterator[FeedEvent]:
    while True:
        yield await queue.get()
