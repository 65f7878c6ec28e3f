"""Per-minute limits over the shared hit counter (the broker: in memory for one process, in
Redis for several). A leaf, so the routes and the /mcp tools count the same way."""

import math
from typing import Protocol

WINDOW_SECONDS = 60.0


class HitCounter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        """None when admitted (and counted), else the seconds to wait."""
        ...


async def seconds_to_wait(counter: HitCounter, key: str, per_minute: int) -> int | None:
    """Count one event under `key`: None when within `per_minute`, else the whole seconds
    (at least 1) until there is room again, as a Retry-After says it."""
    wait = await counter.hit(key, per_minute, WINDOW_SECONDS)
    return None if wait is None else max(1, math.ceil(wait))
