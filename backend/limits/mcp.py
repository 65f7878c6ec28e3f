"""The per-user limit on tool calls over /mcp, counted by the shared hit counter (the broker:
in memory for one process, in Redis for several workers or replicas)."""

from dataclasses import dataclass

from mcp.types import CallToolResult

from backend.errors import BrokerUnavailable
from backend.rate_limits import HitCounter, seconds_to_wait
from mcp_tools.results import tool_error


@dataclass(frozen=True)
class CallLimit:
    counter: HitCounter
    per_minute: int

    async def refusal(self, user: str) -> CallToolResult | None:
        """None when `user` may make one more call (now counted), else the answer to give."""
        try:
            wait = await seconds_to_wait(self.counter, f"mcp:{user}", self.per_minute)
        except BrokerUnavailable:
            return tool_error("Tool calls cannot be counted right now; please retry shortly.")
        if wait is None:
            return None
        return tool_error(
            f"Too many tool calls: at most {self.per_minute} a minute. Retry in {wait} seconds."
        )
