"""The broker of a single process: plain data structures on the event loop."""

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from backend.broker.base import FeedEvent, LoggedEvent
from backend.broker.local_feeds import LocalFeeds
from backend.broker.run_log import RunLog

# Windows of keys not seen for a while are dropped first once this many are tracked.
MAX_TRACKED_KEYS = 100_000


class MemoryBroker:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: OrderedDict[str, deque[float]] = OrderedDict()
        # key -> (total, when it expires on `clock`)
        self._totals: dict[str, tuple[int, float]] = {}
        self._logs: dict[str, RunLog] = {}
        self._expiries: dict[str, asyncio.TimerHandle] = {}
        self._stops: dict[str, asyncio.Event] = {}
        self._feeds = LocalFeeds()

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

    async def add(self, key: str, amount: int, ttl_seconds: int) -> int:
        now = self._clock()
        total, expires = self._totals.get(key, (0, now + ttl_seconds))
        if expires <= now:
            total, expires = 0, now + ttl_seconds
        self._totals[key] = (total + amount, expires)
        self._drop_expired_totals(now)
        return total + amount

    async def total(self, key: str) -> int:
        total, expires = self._totals.get(key, (0, 0.0))
        return total if expires > self._clock() else 0

    def _drop_expired_totals(self, now: float) -> None:
        if len(self._totals) > MAX_TRACKED_KEYS:
            self._totals = {k: v for k, v in self._totals.items() if v[1] > now}

    async def append(self, run: str, event: LoggedEvent) -> None:
        # A log this process did not start (a server taking over a lost run appends its
        # final event) begins where the dead owner's ended.
        self._logs.setdefault(run, RunLog(base=event.seq - 1)).add(event)

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
        self._feeds.deliver(user, event)

    @asynccontextmanager
    async def subscribe(self, user: str) -> AsyncIterator[AsyncIterator[FeedEvent]]:
        queue = self._feeds.add(user)
        try:
            yield queue.events()
        finally:
            self._feeds.remove(user, queue)

    async def ready(self) -> bool:
        return True

    async def close(self) -> None:
        for handle in self._expiries.values():
            handle.cancel()
        self._expiries.clear()
        self._logs.clear()
        self._windows.clear()
        self._totals.clear()
