"""One chat turn's work, from the stored user message to the stored answer.

`begin_turn` claims the conversation (and the Idempotency-Key, if any) for a new run and
stores the user's message; its errors are plain HTTP errors. `turn_events` then runs the agent
with no database connection held, stores the answer (completed, or stopped with what was
written so far) before announcing it, and always releases the claims. The run that drives
it, and everyone who watches, live in backend/runs. A replayed Idempotency-Key turns its
stored answer back into the same events (`wire.replay`).
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
from agents import Agent, RunConfig
from sqlalchemy import exc as sa_exc

from agent.context import ChatContext
from agent.events import Done, Failed
from agent.history import to_input_items
from agent.run import run_turn
from backend.conversations import wire
from backend.conversations.store import ConversationStore, TurnStart
from backend.conversations.titles import title_from_exchange
from backend.conversations.wire import ChatEvent, Finished, Started
from backend.db.engine import SessionMaker
from backend.http.errors import ConversationBusy
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
    max_runs_per_user: int


@dataclass(frozen=True)
class Turn:
    owner: str
    message: str
    run_id: uuid.UUID
    start: TurnStart
    idempotency_key: str | None
    timezone: str = "UTC"

    @property
    def started(self) -> Started:
        return Started(self.start.conversation_number, self.start.user_message_number)


async def begin_turn(
    sessionmaker: SessionMaker,
    runtime: ChatRuntime,
    owner: str,
    conversation_id: int | None,
    message: str,
    idempotency_key: str | None = None,
    *,
    timezone: str = "UTC",
) -> Turn | StoredResponse:
    """Claim and store the user's message, or return the stored answer of a replayed key."""
    run_id = uuid.uuid4()
    async with sessionmaker.begin() as session:
        if idempotency_key:
            request = {"message": message, "conversation_id": conversation_id}
            if timezone != "UTC":  # keeps the digests of keys stored before the field existed
                request["timezone"] = timezone
            digest = request_hash("chat", request)
            stored = await IdempotencyStore(session, owner).claim(
                idempotency_key, digest, stale_after=runtime.stale_after
            )
            if stored is not None:
                return stored
        store = ConversationStore(session, owner, stale_after=runtime.stale_after)
        # Runs outlive requests: "answers at once" counts the user's runs in progress.
        start = await store.start_turn(
            conversation_id,
            message,
            run_id,
            history_limit=runtime.history_limit,
            max_runs=runtime.max_runs_per_user,
        )
    return Turn(owner, message, run_id, start, idempotency_key, timezone)


# How long a finished turn keeps trying to get a pooled connection for its answer (each try
# waits DB_POOL_TIMEOUT for one).
ANSWER_STORE_PATIENCE_SECONDS = 30.0


async def turn_events(
    sessionmaker: SessionMaker, runtime: ChatRuntime, turn: Turn, stop: asyncio.Event
) -> AsyncIterator[ChatEvent]:
    """The turn's events after `Started` (which the run announces itself), ending with one
    `Finished` or `Failed`. Setting `stop` ends it early with the answer so far."""
    start = turn.start
    started = turn.started
    context = ChatContext.for_turn(
        turn.owner,
        start.conversation_number,
        max_tool_calls=runtime.max_tool_calls,
        max_destructive_calls=runtime.max_destructive_calls,
        timezone=turn.timezone,
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
            stop=stop,
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
    """Store the answer, waiting out a full connection pool: the model's work is done and
    paid for, and many runs ending at once (a stop storm, a burst of answers) can hold every
    connection for longer than one pool wait. A database that is down fails as before."""
    deadline = time.monotonic() + ANSWER_STORE_PATIENCE_SECONDS
    while True:
        try:
            return await _store_answer_once(sessionmaker, turn, started, done)
        except sa_exc.TimeoutError:
            if time.monotonic() >= deadline:
                raise
            log.warning(
                "answer not stored yet: no database connection free; trying again",
                extra={"user_id": turn.owner, "conversation_id": started.conversation_id},
            )


async def _store_answer_once(
    sessionmaker: SessionMaker, turn: Turn, started: Started, done: Done
) -> Finished | Failed:
    async with sessionmaker.begin() as session:
        store = ConversationStore(session, turn.owner)
        message_id = await store.finish_turn(
            turn.start.conversation_pk, turn.run_id, done.response, done.tool_calls, done.status
        )
        if message_id is None:
            failed = Failed(
                ConversationBusy.code,
                "This conversation was taken over.",
                ConversationBusy.status_code,
            )
            await _record(session, turn, wire.record(started, failed))
            return failed
        if turn.start.user_message_number == 1 and (title := title_from_exchange(done.tool_calls)):
            await store.name_from_first_answer(turn.start.conversation_pk, title)
        finished = Finished(done, started.conversation_id, message_id)
        await _record(session, turn, wire.record(started, finished))
    return finished


async def _store_failure(
    sessionmaker: SessionMaker, turn: Turn, started: Started, failed: Failed
) -> None:
    async with sessionmaker.begin() as session:
        await ConversationStore(session, turn.owner).release_turn(
            turn.start.conversation_pk, turn.run_id
        )
        await _record(session, turn, wire.record(started, failed))


async def _record(session: Any, turn: Turn, stored: StoredResponse) -> None:
    if turn.idempotency_key:
        await IdempotencyStore(session, turn.owner).complete(
            turn.idempotency_key, stored.status, stored.body
        )


async def _abandon(sessionmaker: SessionMaker, turn: Turn) -> None:
    """The run was cancelled outright (not stopped): nothing is stored as an answer, the
    claims are released."""
    # Shielded: this runs while the run is being cancelled, and must still happen.
    with anyio.move_on_after(5, shield=True):
        async with sessionmaker.begin() as session:
            await ConversationStore(session, turn.owner).release_turn(
                turn.start.conversation_pk, turn.run_id
            )
            if turn.idempotency_key:
                await IdempotencyStore(session, turn.owner).release(turn.idempotency_key)
