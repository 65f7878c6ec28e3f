"""A user's daily token budget (CHAT_TOKENS_PER_DAY), counted through the broker.

Every model call adds its input + output tokens to the user's total for the current UTC day
(`tokens:<user>:<YYYY-MM-DD>`, in memory or in Redis), so every worker and replica on one
Redis counts one budget. A new message is admitted while the total is under the budget: one
broker read, no database round trip. A run that crosses the budget mid-answer finishes the
model call it is in and starts no other (agent/run.py).
"""

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from backend.broker.base import Broker
from backend.http.errors import AppError, BrokerUnavailable

log = logging.getLogger(__name__)

# A day's total outlives its day a little: late model calls still count where they ran.
_TOTAL_TTL_SECONDS = 2 * 24 * 3600

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BudgetExhausted(AppError):
    status_code = 429
    code = "budget_exhausted"
    detail = "You have used today's allowance of the AI assistant; it resets at midnight UTC."

    def __init__(self, resets_at: datetime, now: datetime) -> None:
        wait = max(1, math.ceil((resets_at - now).total_seconds()))
        super().__init__(headers={"Retry-After": str(wait)})
        self.extra = {"resets_at": resets_at.isoformat().replace("+00:00", "Z")}


@dataclass(frozen=True)
class BudgetState:
    tokens_per_day: int  # 0: no budget
    used_today: int | None  # None without a budget: nothing is counted then
    resets_at: datetime

    @property
    def remaining(self) -> int | None:
        if self.used_today is None:
            return None
        return max(0, self.tokens_per_day - self.used_today)


@dataclass(frozen=True)
class TokenBudget:
    broker: Broker
    tokens_per_day: int
    clock: Clock = field(default=_utc_now)

    @property
    def enabled(self) -> bool:
        return self.tokens_per_day > 0

    def _key(self, user_id: str, now: datetime) -> str:
        return f"tokens:{user_id}:{now.date().isoformat()}"

    async def admit(self, user_id: str) -> None:
        """Raise 429 `budget_exhausted` when the user's tokens today reached the budget."""
        if not self.enabled:
            return
        now = self.clock()
        if await self.broker.total(self._key(user_id, now)) >= self.tokens_per_day:
            raise BudgetExhausted(_next_midnight(now), now)

    async def spend(self, user_id: str, tokens: int) -> bool:
        """Count one model call's tokens; True when the budget is now used up."""
        if not self.enabled:
            return False
        now = self.clock()
        total = await self.broker.add(self._key(user_id, now), tokens, _TOTAL_TTL_SECONDS)
        return total >= self.tokens_per_day

    def spender(self, user_id: str) -> Callable[[int], Awaitable[bool]] | None:
        """What a run calls after each model call (None without a budget)."""
        if not self.enabled:
            return None

        async def spend(tokens: int) -> bool:
            # A run goes on through a broker blip: its answer matters more than a count
            # that may fall short by this call.
            try:
                return await self.spend(user_id, tokens)
            except BrokerUnavailable:
                log.warning("tokens not counted: the broker is unavailable")
                return False

        return spend

    async def state(self, user_id: str) -> BudgetState:
        now = self.clock()
        used = await self.broker.total(self._key(user_id, now)) if self.enabled else None
        return BudgetState(self.tokens_per_day, used, _next_midnight(now))


def _next_midnight(now: datetime) -> datetime:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)
