"""One chat turn end to end, the single code path behind both JSON and SSE answers.

`begin_turn` claims the conversation (and the Idempotency-Key, if any) and stores the user's
message; its errors are plain HTTP errors. `turn_events` then runs the agent with no database
connection held, stores the answer before announcing it, and always releases the claims.
A replayed Idempotency-Key turns its stored answer back into the same events.
"""

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import anyio
from agents import Agent, RunConfig

from agent.context import ChatContext
from agent.events import AgentEvent, Done, Failed, TextDelta, ToolCall, ToolResult, Usage
from agent.history import to_input_items
from agent.run import run_turn
from backend.conversations.store import ConversationStore, TurnStart
from backend.db import SessionMaker
from backend.idempotency.store import IdempotencyStore, StoredResponse, request_hash

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatRuntime:
    """Built once per app: the agent and the limits every turn runs under."""

    agent: Agent[ChatContext]
    run_config: RunConfig
    max_turns: int
    history_limit: int
    stale_after: timedelta
    max_tool_calls: int
    max_destructive_calls: int


@dataclass(frozen=True)
class Started:
    conversation_id: int
    user_message_id: int


@dataclass(frozen=True)
class Finished:
    """`Done`, after the answer was stored as message `message_id`."""

    done: Done
    conversation_id: int
    message_id: int

    def body(self) -> dict[str, Any]:
        """The JSON answer (CONTRACT §8); the `done` event adds `usage`."""
        return {
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "response": self.done.response,
            "tool_calls": self.done.tool_calls,
        }


ChatEvent = Started | AgentEvent | Finished


@dataclass(frozen=True)
class Turn:
    owner: str
    message: str
    run_id: uuid.UUID
    start: TurnStart
    idempotency_key: str | None


async def begin_turn(
    sessionmaker: SessionMaker,
    runtime: ChatRuntime,
    owner: str,
    conversation_id: int | None,
    message: str,
    idempotency_key: str | None = None,
) -> Turn | StoredResponse:
    """Claim and store the user's message, or return the stored answer of a replayed key."""
    run_id = uuid.uuid4()
    async with sessionmaker.begin() as session:
        if idempotency_key:
            digest = request_hash("chat", {"message": message, "conversation_id": conversation_id})
            stored = await IdempotencyStore(session, owner).claim(
                idempotency_key, digest, stale_after=runtime.stale_after
            )
            if stored is not None:
                return stored
        start = await ConversationStore(session, owner).start_turn(
            conversation_id,
            message,
            run_id,
            history_limit=runtime.history_limit,
            stale_after=runtime.stale_after,
        )
    return Turn(owner, message, run_id, start, idempotency_key)


async def turn_events(
    sessionmaker: SessionMaker, runtime: ChatRuntime, turn: Turn
) -> AsyncIterator[ChatEvent]:
    start = turn.start
    started = Started(start.conversation_number, start.user_message_number)
    yield started
    context = ChatContext.for_turn(
        turn.owner,
        start.conversation_number,
        max_tool_calls=runtime.max_tool_calls,
        max_destructive_calls=runtime.max_destructive_calls,
    )
    settled = False
    about = {"user_id": turn.owner, "conversation_id": start.conversation_number}
    try:
        async for event in run_turn(
            runtime.agent,
            to_input_items(start.history, turn.message),
            context,
            max_turns=runtime.max_turns,
            run_config=runtime.run_config,
        ):
            if isinstance(event, Done):
                finished = await _store_answer(sessionmaker, turn, started, event)
                settled = True
                _log_outcome(finished, about)
                yield finished
                return
            if isinstance(event, Failed):
                await _store_failure(sessionmaker, turn, started, event)
                settled = True
                _log_outcome(event, about)
            yield event
            if settled:
                return
    finally:
        if not settled:
            log.info("chat turn ended without an answer", extra=about)
            await _abandon(sessionmaker, turn)


def _log_outcome(outcome: Finished | Failed, about: dict[str, Any]) -> None:
    """One line per turn; never the message, the answer or tool arguments."""
    if isinstance(outcome, Failed):
        log.warning("chat turn failed: %s", outcome.code, extra=about)
        return
    usage = outcome.done.usage
    log.info(
        "chat turn answered: %d tool calls, %d input and %d output tokens",
        len(outcome.done.tool_calls),
        usage.input_tokens,
        usage.output_tokens,
        extra=about,
    )


async def _store_answer(
    sessionmaker: SessionMaker, turn: Turn, started: Started, done: Done
) -> Finished | Failed:
    async with sessionmaker.begin() as session:
        message_id = await ConversationStore(session, turn.owner).finish_turn(
            turn.start.conversation_pk, turn.run_id, done.response, done.tool_calls
        )
        if message_id is None:
            failed = Failed("conversation_busy", "This conversation was taken over.", 409)
            await _record(session, turn, failure_record(started, failed))
            return failed
        finished = Finished(done, started.conversation_id, message_id)
        await _record(session, turn, finished_record(started, finished))
    return finished


async def _store_failure(
    sessionmaker: SessionMaker, turn: Turn, started: Started, failed: Failed
) -> None:
    async with sessionmaker.begin() as session:
        await ConversationStore(session, turn.owner).release_turn(
            turn.start.conversation_pk, turn.run_id
        )
        await _record(session, turn, failure_record(started, failed))


async def _record(session: Any, turn: Turn, stored: StoredResponse) -> None:
    if turn.idempotency_key:
        await IdempotencyStore(session, turn.owner).complete(
            turn.idempotency_key, stored.status, stored.body
        )


async def _abandon(sessionmaker: SessionMaker, turn: Turn) -> None:
    """The client left mid-turn: nothing is stored as an answer, the claims are released."""
    # Shielded: this runs while a disconnect is cancelling the turn, and must still happen.
    with anyio.move_on_after(5, shield=True):
        async with sessionmaker.begin() as session:
            await ConversationStore(session, turn.owner).release_turn(
                turn.start.conversation_pk, turn.run_id
            )
            if turn.idempotency_key:
                await IdempotencyStore(session, turn.owner).release(turn.idempotency_key)


def finished_record(started: Started, finished: Finished) -> StoredResponse:
    body = {
        **finished.body(),
        "user_message_id": started.user_message_id,
        "usage": asdict(finished.done.usage),
    }
    return StoredResponse(200, body)


def failure_record(started: Started, failed: Failed) -> StoredResponse:
    body = {**asdict(started), "code": failed.code, "detail": failed.detail}
    return StoredResponse(failed.status, body)


async def replay_events(stored: StoredResponse) -> AsyncIterator[ChatEvent]:
    """A stored turn as the events it first produced (text as one delta)."""
    body = stored.body
    yield Started(body["conversation_id"], body["user_message_id"])
    if stored.status != 200:
        yield Failed(body["code"], body["detail"], stored.status)
        return
    if body["response"]:
        yield TextDelta(body["response"])
    for call in body["tool_calls"]:
        yield ToolCall(call["id"], call["name"], call["arguments"])
        yield ToolResult(call["id"], call["name"], call["output"], call["is_error"])
    done = Done(body["response"], body["tool_calls"], Usage(**body["usage"]))
    yield Finished(done, body["conversation_id"], body["message_id"])
