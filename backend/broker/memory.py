"""The broker of a single process: plain dictionaries on the event loop."""

import time
from collections import OrderedDict, deque
from collections.abc import Callable

# Windows of users not seen for a while are dropped first once this many are tracked.
MAX_TRACKED_KEYS = 100_000


class MemoryBroker:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: OrderedDict[str, deque[float]] = OrderedDict()

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

    async def ready(self) -> bool:
        return True

    async def close(self) -> None:
        self._windows.clear()
