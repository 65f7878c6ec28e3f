"""One chat turn's work, from the stored user message to the stored answer.

`begin_turn` claims the conversation (and the Idempotency-Key, if any) for a new run and
stores the user's message; its errors are plain HTTP errors. `turn_events` then runs the agent
with no database connection held, stores the answer (completed, or stopped with what was
written so far) before announcing it, and always releases the claims. The run that drives
it, and everyone who watches, live in backend/runs. A replayed Idempotency-Key turns its
stored answer back into the same events (`wire.replay`).
"""

import asyncio
import dataclasses
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

import anyio
from agents import Agent, RunConfig
from sqlalchemy import exc as sa_exc

from agent.approvals import DECLINED_OUTPUT, Resume, WaitingCall
from agent.context import ChatContext
from agent.events import Done, Failed
from agent.history import to_input_items
from agent.run import run_turn
from backend.activity.store import ActivityStore
from backend.approvals.store import ApprovalStore, Paused
from backend.approvals.typed import reply_kind
from backend.conversations import wire
from backend.conversations.records import TurnStart
from backend.conversations.so_far import AnswerSoFar
from backend.conversations.store import ConversationStore
from backend.conversations.titles import ModelTitles, title_from_exchange
from backend.conversations.wire import ApprovalAsked, ChatEvent, Finished, Started
from backend.db.engine import SessionMaker
from backend.http.errors import (
    ApprovalAlreadyDecided,
    ApprovalNotFound,
    ConversationBusy,
    ConversationNotFound,
)
from backend.idempotency.store import IdempotencyStore, StoredResponse, request_hash
from backend.metrics.runs import metered
from backend.usage.budget import TokenBudget

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
    # How long a paused run waits for the person's decision (CHAT_APPROVAL_SECONDS).
    approval_after: timedelta = timedelta(days=1)
    # The model's name as usage records it, and the daily token budget (backend/usage).
    model_name: str = ""
    history_tokens: int | None = None  # CHAT_HISTORY_TOKENS
    budget: TokenBudget | None = None
    # With a model provider: the model names a conversation after its first answer.
    titles: ModelTitles | None = None


@dataclass(frozen=True)
class Turn:
    owner: str
    message: str
    run_id: uuid.UUID
    start: TurnStart
    idempotency_key: str | None
    timezone: str = "UTC"
    source: str = "chat"  # or "chatkit": what the activity record says made its changes
    # Set when the turn continues a paused run instead of answering `message`.
    resume: Resume | None = None
    # A new version's first event says what the answers it replaces changed (wire.Started).
    kept_changes: list[dict[str, Any]] | None = None
    undone: list[dict[str, Any]] | None = None

    @property
    def started(self) -> Started:
        number = self.start.conversation_number
        return Started(number, self.start.user_message_number, self.kept_changes, self.undone)


async def begin_turn(
    sessionmaker: SessionMaker,
    runtime: ChatRuntime,
    owner: str,
    conversation_id: int | None,
    message: str,
    idempotency_key: str | None = None,
    *,
    timezone: str = "UTC",
    source: str = "chat",
    server: uuid.UUID | None = None,
) -> Turn | StoredResponse:
    """Claim (for a run of `server`) and store the user's message, or return the stored
    answer of a replayed key."""
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
        resume = None
        if conversation_id is not None:
            resume = await _answer_waiting_calls(session, owner, conversation_id, message)
        # Runs outlive requests: "answers at once" counts the user's runs in progress.
        start = await store.start_turn(
            conversation_id,
            message,
            run_id,
            history_limit=runtime.history_limit,
            max_runs=runtime.max_runs_per_user,
            server=server,
        )
    return Turn(
        owner, message, run_id, start, idempotency_key, timezone, source=source, resume=resume
    )


async def _answer_waiting_calls(
    session: Any, owner: str, conversation_id: int, message: str
) -> Resume | None:
    """A message while tool calls wait (docs/api.md "Confirmation"): one that only confirms
    or only refuses decides them all and resumes the run; any other (or any message after
    they expired) declines them, and is answered as usual."""
    approvals = ApprovalStore(session, owner)
    paused = await approvals.lock(conversation_id)
    if paused is None:
        return None
    kind = None if paused.expired else reply_kind(message)
    if kind is None:
        await approvals.decline_all(paused, DECLINED_OUTPUT)
        return None
    decisions = {c.id: kind == "approve" for c in paused.waiting}
    await approvals.decide(paused, decisions)
    return _resume(paused, decisions)


def _resume(paused: Paused, decisions: dict[str, bool]) -> Resume:
    waiting = [WaitingCall(c.id, c.tool, c.arguments) for c in paused.waiting]
    return Resume(paused.state, waiting, decisions)


Decide = Callable[[list[str]], dict[str, bool]]
"""Given the ids of the calls waiting, the decisions to make (call id -> approve)."""


async def begin_resume(
    sessionmaker: SessionMaker,
    runtime: ChatRuntime,
    owner: str,
    conversation_id: int,
    decide: Decide,
    *,
    server: uuid.UUID | None = None,
) -> tuple[Turn, int]:
    """Decide waiting tool calls and claim the conversation to resume its paused run with
    the decisions: the turn, and the number its answer will have. Raises
    ConversationNotFound, ApprovalNotFound, ApprovalAlreadyDecided (also once the wait
    expired: it counts as declined), ConversationBusy, TooManyStreams."""
    async with sessionmaker.begin() as session:
        approvals = ApprovalStore(session, owner)
        paused = await approvals.lock(conversation_id)
        waiting = [] if paused is None else [c.id for c in paused.waiting]
        decided = decide(waiting)
        unknown = next((c for c in decided if c not in waiting), None)
        if paused is None or not decided or unknown is not None:
            await _why_not_waiting(session, owner, runtime, conversation_id, unknown)
        assert paused is not None
        if not paused.expired:
            await approvals.decide(paused, decided)
            resume = _resume(paused, decided)
            conversations = ConversationStore(session, owner, stale_after=runtime.stale_after)
            run_id = uuid.uuid4()
            start, answer_number = await conversations.claim_to_resume(
                conversation_id,
                run_id,
                user_message_number=paused.user_message_number,
                max_runs=runtime.max_runs_per_user,
                server=server,
            )
            turn = Turn(owner, "", run_id, start, None, paused.timezone, resume=resume)
            return turn, answer_number
        await approvals.decline_all(paused, DECLINED_OUTPUT)
    raise ApprovalAlreadyDecided("This request waited too long, so it counts as declined.")


async def _why_not_waiting(
    session: Any, owner: str, runtime: ChatRuntime, conversation_id: int, call_id: str | None
) -> None:
    """Raise the reason a decision finds nothing to decide."""
    store = ConversationStore(session, owner, stale_after=runtime.stale_after)
    if await store.get(conversation_id) is None:
        raise ConversationNotFound()
    if (
        call_id is not None
        and await ApprovalStore(session, owner).decision_of(conversation_id, call_id) is None
    ):
        raise ApprovalNotFound()
    raise ApprovalAlreadyDecided()


async def begin_retry(
    sessionmaker: SessionMaker,
    runtime: ChatRuntime,
    owner: str,
    conversation_id: int,
    message_id: int,
    *,
    timezone: str = "UTC",
    server: uuid.UUID | None = None,
) -> Turn:
    """Claim the conversation to answer the person's last message again, deleting what
    followed it; the message itself stays, stored once (REST retry and ChatKit's
    `threads.retry_after_item`)."""
    run_id = uuid.uuid4()
    async with sessionmaker.begin() as session:
        store = ConversationStore(session, owner, stale_after=runtime.stale_after)
        start, message = await store.retry_turn(
            conversation_id,
            message_id,
            run_id,
            history_limit=runtime.history_limit,
            max_runs=runtime.max_runs_per_user,
            server=server,
        )
    return Turn(owner, message, run_id, start, None, timezone)


# How long a finished turn keeps trying to get a pooled connection for its answer (each try
# waits DB_POOL_TIMEOUT for one).
ANSWER_STORE_PATIENCE_SECONDS = 30.0


async def turn_events(
    sessionmaker: SessionMaker,
    runtime: ChatRuntime,
    turn: Turn,
    stop: asyncio.Event,
    so_far: AnswerSoFar,
) -> AsyncIterator[ChatEvent]:
    """The turn's events after `Started` (which the run announces itself), ending with one
    `Finished` or `Failed`. Setting `stop` ends it early with the answer so far, which
    `so_far` gathers (the run keeps it for an answer the database was away for)."""
    start = turn.start
    started = turn.started
    context = ChatContext.for_turn(
        turn.owner,
        start.conversation_number,
        max_tool_calls=runtime.max_tool_calls,
        max_destructive_calls=runtime.max_destructive_calls,
        timezone=turn.timezone,
        source=turn.source,
        run_id=turn.run_id,
    )
    if runtime.budget is not None:
        context.spend_tokens = runtime.budget.spender(turn.owner)
    settled = False
    about = {"user_id": turn.owner, "conversation_id": start.conversation_number}
    try:
        async for event in metered(
            run_turn(
                runtime.agent,
                to_input_items(start.history, turn.message, max_tokens=runtime.history_tokens),
                context,
                max_turns=runtime.max_turns,
                run_config=runtime.run_config,
                stop=stop,
                resume=turn.resume,
            )
        ):
            if isinstance(event, Done):
                done = replace(event, usage=replace(event.usage, model=runtime.model_name))
                finished = await _store_answer(
                    sessionmaker, turn, started, done, runtime.approval_after
                )
                settled = True
                _log_outcome(finished, about)
                if isinstance(finished, Finished):
                    _name_later(runtime, turn, finished)
                    for asked in finished.done.waiting:
                        yield ApprovalAsked(**asked)
                yield finished
                return
            so_far.add(event)
            if isinstance(event, Failed):
                await store_failure(sessionmaker, turn, started, event, so_far)
                settled = True
                _log_outcome(event, about)
            yield event
            if settled:
                return
    finally:
        if not settled:
            log.info("chat turn ended without an answer", extra=about)
            await _abandon(sessionmaker, turn)


def _name_later(runtime: ChatRuntime, turn: Turn, finished: Finished) -> None:
    """After a conversation's first answer, the model names it (in the background: `done`
    is not delayed)."""
    first = turn.start.user_message_number == 1 and turn.resume is None and turn.message
    if runtime.titles is not None and first:
        spend = runtime.budget.spender(turn.owner) if runtime.budget is not None else None
        runtime.titles.start(
            turn.owner,
            finished.conversation_id,
            turn.start.conversation_pk,
            (turn.message, finished.done.response),
            finished.message_id,
            spend,
        )


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
    sessionmaker: SessionMaker, turn: Turn, started: Started, done: Done, approval_after: timedelta
) -> Finished | Failed:
    """Store the answer, waiting out a full connection pool: the model's work is done and
    paid for, and many runs ending at once (a stop storm, a burst of answers) can hold every
    connection for longer than one pool wait. A database that is down fails as before."""
    deadline = time.monotonic() + ANSWER_STORE_PATIENCE_SECONDS
    while True:
        try:
            return await _store_answer_once(sessionmaker, turn, started, done, approval_after)
        except sa_exc.TimeoutError:
            if time.monotonic() >= deadline:
                raise
            log.warning(
                "answer not stored yet: no database connection free; trying again",
                extra={"user_id": turn.owner, "conversation_id": started.conversation_id},
            )


async def _store_answer_once(
    sessionmaker: SessionMaker, turn: Turn, started: Started, done: Done, approval_after: timedelta
) -> Finished | Failed:
    async with sessionmaker.begin() as session:
        store = ConversationStore(session, turn.owner)
        message_id = await store.finish_turn(
            turn.start.conversation_pk,
            turn.run_id,
            done.response,
            done.tool_calls,
            done.status,
            usage=asdict(done.usage),
        )
        if message_id is None:
            failed = Failed(
                ConversationBusy.code,
                "This conversation was taken over.",
                ConversationBusy.status_code,
            )
            await _record(session, turn, wire.record(started, failed))
            return failed
        # The run's changes name the answer that made them, in the answer's transaction.
        await ActivityStore(session, turn.owner).link_run(
            turn.run_id, started.conversation_id, message_id
        )
        if done.paused_state is not None:
            asked = await ApprovalStore(session, turn.owner).pause(
                turn.start.conversation_pk,
                message_number=message_id,
                user_message_number=started.user_message_id,
                state=done.paused_state,
                waiting=done.waiting,
                expires_in=approval_after,
                timezone=turn.timezone,
            )
            done = dataclasses.replace(done, waiting=asked, paused_state=None)
        if turn.start.user_message_number == 1 and (title := title_from_exchange(done.tool_calls)):
            await store.name_from_first_answer(turn.start.conversation_pk, title)
        finished = Finished(done, started.conversation_id, message_id)
        await _record(session, turn, wire.record(started, finished))
    return finished


async def store_failure(
    sessionmaker: SessionMaker, turn: Turn, started: Started, failed: Failed, so_far: AnswerSoFar
) -> None:
    """The answer as far as it got, stored with status "failed" and why (a reload still
    shows the failure, and a retry replaces it)."""
    error = {"code": failed.code, "detail": failed.detail}
    async with sessionmaker.begin() as session:
        await ConversationStore(session, turn.owner).finish_turn(
            turn.start.conversation_pk,
            turn.run_id,
            so_far.text,
            so_far.tool_calls,
            "failed",
            error=error,
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
