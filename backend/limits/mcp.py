"""The per-user limit on tool calls over /mcp, counted by the shared hit counter (the broker:
in memory for one process, in Redis for several workers or replicas)."""

from dataclasses import dataclass

from backend.http.errors import BrokerUnavailable
from backend.limits.rate import HitCounter, seconds_to_wait


@dataclass(frozen=True)
class CallLimit:
    counter: HitCounter
    per_minute: int

    async def refusal(self, user: str) -> str | None:
        """None when `user` may make one more call (now counted), else the sentence to answer
        with (the /mcp server returns it as a tool error)."""
        try:
            wait = await seconds_to_wait(self.counter, f"mcp:{user}", self.per_minute)
        except BrokerUnavailable:
            return "Tool calls cannot be counted right now; please retry shortly."
        if wait is None:
            return None
        return f"Too many tool calls: at most {self.per_minute} a minute. Retry in {wait} seconds."
