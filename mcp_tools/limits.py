"""The per-user limit on tool calls over /mcp, counted by the shared hit counter (the broker:
in memory for one process, in Redis for several workers or replicas)."""

import math
from dataclasses import dataclass
from typing import Protocol

from mcp.types import CallToolResult

from backend.errors import BrokerUnavailable
from mcp_tools.results import tool_error

WINDOW_SECONDS = 60


class HitCounter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        """None when admitted (and counted), else the seconds to wait."""
        ...


@dataclass(frozen=True)
class CallLimit:
    counter: HitCounter
    per_minute: int

    async def refusal(self, user: str) -> CallToolResult | None:
        """None when `user` may make one more call (now counted), else the answer to give."""
        try:
            wait = await self.counter.hit(f"mcp:{user}", self.per_minute, WINDOW_SECONDS)
        except BrokerUnavailable:
            return tool_error("Tool calls cannot be counted right now; please retry shortly.")
        if wait is None:
            return None
        return tool_error(
            f"Too many tool calls: at most {self.per_minute} a minute. "
            f"Retry in {max(1, math.ceil(wait))} seconds."
        )
