"""The run context: who is chatting, where and when. Passed to the Runner, never sent to the
model (the instructions tell the model the user's local time, see agent/instructions.py)."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backend.limits.tool_budget import ToolBudget


@dataclass
class ChatContext:
    user_id: str
    conversation_id: int
    budget: ToolBudget = field(default_factory=ToolBudget)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    """The turn's "now": every relative date in the turn is read against this instant."""
    # Tool calls executing right now: a stop waits for them (agent.run).
    tools_running: int = 0
    # What the activity record says made the turn's changes: the surface ("chat" or
    # "chatkit") and the run, whose entries name the answer once it is stored.
    source: str = "chat"
    run_id: uuid.UUID | None = None
    # Called after each model call with its input + output tokens; True when the user's
    # daily token budget is used up, and the run then starts no further model call.
    spend_tokens: Callable[[int], Awaitable[bool]] | None = None
    # Set once `spend_tokens` said the budget is used up.
    tokens_spent: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def for_turn(
        cls,
        user_id: str,
        conversation_id: int,
        *,
        max_tool_calls: int,
        max_destructive_calls: int,
        timezone: str = "UTC",
        source: str = "chat",
        run_id: uuid.UUID | None = None,
    ) -> "ChatContext":
        return cls(
            user_id,
            conversation_id,
            ToolBudget(max_tool_calls, max_destructive_calls),
            ZoneInfo(timezone),
            source=source,
            run_id=run_id,
        )

    @property
    def local_now(self) -> datetime:
        return self.started_at.astimezone(self.timezone)
