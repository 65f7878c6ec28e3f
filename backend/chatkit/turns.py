"""The one place ChatKit meets the turn machinery: start a run for a message, follow it, stop
it. A run is the same as for POST /chat (backend/runs: agent, tools, history, limits, the
conversation's claim, storage); ChatKit is one more viewer of it."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

from backend.broker.base import Broker
from backend.conversations.chat import Decide
from backend.conversations.titles import ModelTitles
from backend.conversations.wire import ChatEvent, Started
from backend.limits.chat import admit_chat_message
from backend.runs.ref import RunRef
from backend.runs.registry import Runs
from backend.usage.budget import TokenBudget


@dataclass
class Turn:
    """A run that has stored the user's message: where, and its events still to come."""

    conversation: int
    user_message: int
    """The number before the answer's: the user's message (a resumed run has none)."""
    message: str
    run: RunRef
    events: AsyncIterator[ChatEvent]


@dataclass(frozen=True)
class Turns:
    runs: Runs
    broker: Broker
    messages_per_minute: int
    max_runs_per_user: int
    budget: TokenBudget | None = None
    titles: ModelTitles | None = None

    async def titled(self, owner: str, turn: Turn) -> None:
        """After a first answer: wait for the model's title, if one is being made."""
        if self.titles is not None and turn.user_message == 1:
            await self.titles.settled(owner, turn.conversation)

    async def admit(self, owner: str) -> None:
        """Count one message against the user's per-minute limit (TooManyRequests) and check
        their daily token budget (BudgetExhausted)."""
        await admit_chat_message(self.broker, owner, self.messages_per_minute)
        if self.budget is not None:
            await self.budget.admit(owner)

    async def start(
        self,
        owner: str,
        conversation: int | None,
        message: str,
        timezone: str,
    ) -> Turn:
        """Count the message against the user's limits, store it and start the run (a new
        conversation when `conversation` is None). Raises the errors of POST /chat
        (ConversationBusy, ConversationNotFound, TooManyRequests…)."""
        await self.admit(owner)
        run = await self.runs.start(
            owner, conversation, message, timezone=timezone, source="chatkit"
        )
        assert isinstance(run, RunRef)  # only an Idempotency-Key replays a stored answer
        return await self._viewed(run, message)

    async def _viewed(self, run: RunRef, message: str) -> Turn:
        viewed = self.runs.follow(run)
        _, started = await anext(viewed)
        assert isinstance(started, Started)  # every run's log begins with it
        events = (event async for _, event in viewed)
        return Turn(started.conversation_id, started.user_message_id, message, run, events)

    async def resume(self, owner: str, conversation: int, decide: Decide) -> Turn:
        """Decide waiting tool calls and resume the paused run, exactly as the REST decision
        does (its errors too: ApprovalAlreadyDecided, ConversationBusy…)."""
        await admit_chat_message(self.broker, owner, self.messages_per_minute)
        run, answer_number = await self.runs.resume(owner, conversation, decide)
        viewed = self.runs.follow(run)
        _, started = await anext(viewed)
        assert isinstance(started, Started)
        events = (event async for _, event in viewed)
        return Turn(conversation, answer_number - 1, "", run, events)

    async def retry(
        self, owner: str, conversation: int, message: int, text: str, timezone: str
    ) -> Turn:
        """Answer the person's last message (`text`) again in place of what followed it,
        as REST's retry does (`admit` first)."""
        run = await self.runs.retry(owner, conversation, message, timezone=timezone)
        return await self._viewed(run, text)

    async def stop(self, turn: Turn) -> None:
        """As POST …/stop: the run stores what it has with status "stopped"."""
        await self.runs.request_stop(turn.run)
