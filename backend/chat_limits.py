"""Per-user chat limits of one server process: messages per minute, answers at once.

In memory on purpose: they protect this process's event loop and memory. With several
workers each enforces its own share; the per-conversation lock is the one in PostgreSQL.
"""

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from backend.errors import TooManyRequests, TooManyStreams

WINDOW_SECONDS = 60.0
MAX_TRACKED_USERS = 100_000


class ChatLimiter:
    def __init__(
        self,
        per_minute: int,
        max_streams: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_minute = per_minute
        self._max_streams = max_streams
        self._clock = clock
        self._recent: OrderedDict[str, deque[float]] = OrderedDict()
        self._streams: dict[str, int] = {}

    def acquire(self, user_id: str) -> Callable[[], None]:
        """Admit one chat request, or raise 429. Returns the (idempotent) release."""
        self._admit(user_id)
        if self._streams.get(user_id, 0) >= self._max_streams:
            raise TooManyStreams(retry_after_seconds=1)
        self._streams[user_id] = self._streams.get(user_id, 0) + 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            left = self._streams[user_id] - 1
            if left:
                self._streams[user_id] = left
            else:
                del self._streams[user_id]

        return release

    def _admit(self, user_id: str) -> None:
        now = self._clock()
        recent = self._recent.pop(user_id, None) or deque()
        while recent and recent[0] <= now - WINDOW_SECONDS:
            recent.popleft()
        self._recent[user_id] = recent  # most recently seen last
        if len(self._recent) > MAX_TRACKED_USERS:
            self._recent.popitem(last=False)
        if len(recent) >= self._per_minute:
            raise TooManyRequests(math.ceil(recent[0] + WINDOW_SECONDS - now))
        recent.append(now)
