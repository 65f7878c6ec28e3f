"""Chat and conversation routes (docs/api.md §8, §9)."""

import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Path, Query, Response, status
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse
from starlette.background import BackgroundTask

from agent.events import Failed
from backend.auth.deps import Owner
from backend.conversations import sse, wire
from backend.conversations.chat import begin_turn, turn_events
from backend.conversations.schemas import (
    ChatFailure,
    ChatRequest,
    ChatResponse,
    ConversationList,
    ConversationOut,
    ConversationRename,
    MessageList,
    MessageOut,
)
from backend.conversations.store import ConversationStore
from backend.deps import ServicesDep, SessionDep
from backend.errors import (
    DATABASE_RETRY_AFTER,
    ConversationBusy,
    ConversationNotFound,
    DatabaseUnavailable,
    ErrorBody,
    Forbidden,
    IdempotencyKeyReused,
    InvalidRequest,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
    responses,
)
from backend.idempotency.http import REPLAYED_HEADER, IdempotencyKeyHeader
from backend.idempotency.store import StoredResponse

log = logging.getLogger(__name__)

# sse-starlette sets the shutdown event, then cancels after this; our generator uses the
# time to end each stream with a final `error` event. Below uvicorn's graceful window.
SHUTDOWN_GRACE_SECONDS = 3.0
router = APIRouter(
    prefix="/api/{user_id}", responses=responses(Unauthorized, Forbidden, InvalidRequest)
)
ConversationNumber = Annotated[int, Path(ge=1, le=2_147_483_647)]

CHAT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The assistant's answer (JSON), or a stream of events (SSE).",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **responses(
        ConversationNotFound,
        ConversationBusy,
        PayloadTooLarge,
        InvalidRequest,
        IdempotencyKeyReused,
        TooManyRequests,
    ),
    502: {"model": ChatFailure, "description": "The model provider failed."},
    503: {
        "model": ChatFailure | ErrorBody,
        "description": "The model provider is rate limiting, or the database is unavailable"
        " (with `conversation_id` once the message is stored).",
    },
    504: {"model": ChatFailure, "description": "The model provider timed out."},
    500: {"model": ChatFailure, "description": "The turn broke on our side; the message is kept."},
}


@router.post(
    "/chat",
    tags=["chat"],
    summary="Send a message",
    response_model=ChatResponse,
    responses=CHAT_RESPONSES,
)
async def chat(
    body: ChatRequest,
    owner: Owner,
    services: ServicesDep,
    accept: Annotated[str | None, Header()] = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    runtime = services.chat
    release = services.chat_limiter.acquire(owner)
    try:
        turn = await begin_turn(
            services.sessionmaker,
            runtime,
            owner,
            body.conversation_id,
            body.message,
            idempotency_key,
            timezone=body.timezone,
        )
    except BaseException:
        release()
        raise
    if isinstance(turn, StoredResponse):
        events, headers = wire.replay(turn), {REPLAYED_HEADER: "true"}
    else:
        events, headers = turn_events(services.sessionmaker, runtime, turn), {}
    events = _releasing(events, release)
    if sse.wants_event_stream(accept):
        shutdown = anyio.Event()
        return EventSourceResponse(
            sse.sse_frames(events, shutdown),
            ping=sse.PING_SECONDS,
            ping_message_factory=sse.ping,
            send_timeout=30,
            shutdown_event=shutdown,
            shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
            headers={"Cache-Control": "no-store", **headers},
            # Also when the stream never started (the client left at once).
            background=BackgroundTask(_on_loop, release),
        )
    return await _json_answer(events, headers)


async def _on_loop(release: Callable[[], None]) -> None:
    """Starlette runs a plain function background task in a worker thread; the limiter's
    counters belong to the event loop (and the hop costs more than the call)."""
    release()


async def _releasing(
    events: AsyncIterator[wire.ChatEvent], release: Callable[[], None]
) -> AsyncIterator[wire.ChatEvent]:
    try:
        async for event in events:
            yield event
    finally:
        release()


async def _json_answer(events: AsyncIterator[wire.ChatEvent], headers: dict[str, str]) -> Any:
    started: wire.Started | None = None
    try:
        async for event in events:
            if isinstance(event, wire.Started):
                started = event
            elif isinstance(event, wire.Finished | Failed):
                assert started is not None
                return _respond(started, event, headers)
    except Exception as error:
        if started is None:
            raise
        # Like the stream's final event: the client learns where its stored message is.
        log.exception("chat turn failed")
        return _respond(started, sse.failure_of(error), headers)
    raise RuntimeError("a chat turn ended without Done or Failed")


def _respond(started: wire.Started, outcome: wire.Outcome, headers: dict[str, str]) -> JSONResponse:
    status_code, body = wire.answer(started, outcome)
    if isinstance(outcome, Failed) and outcome.code == DatabaseUnavailable.code:
        headers = {**headers, "Retry-After": DATABASE_RETRY_AFTER}
    return JSONResponse(body, status_code, headers)


@router.get("/conversations", tags=["conversations"], summary="List conversations")
async def list_conversations(
    owner: Owner,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ConversationList:
    records, total = await ConversationStore(session, owner).list_conversations(limit, offset)
    return ConversationList(conversations=[ConversationOut.of(r) for r in records], total=total)


@router.get(
    "/conversations/{conversation_id}/messages",
    tags=["conversations"],
    summary="A conversation's messages, oldest first",
    responses=responses(ConversationNotFound),
)
async def list_messages(
    conversation_id: ConversationNumber,
    owner: Owner,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int, Query(ge=0, le=2_147_483_647, description="Message id")] = 0,
) -> MessageList:
    records = await ConversationStore(session, owner).messages(
        conversation_id, limit=limit, after=after
    )
    if records is None:
        raise ConversationNotFound()
    return MessageList(messages=[MessageOut.of(r) for r in records])


@router.patch(
    "/conversations/{conversation_id}",
    tags=["conversations"],
    summary="Rename a conversation",
    responses=responses(ConversationNotFound),
)
async def rename_conversation(
    conversation_id: ConversationNumber,
    body: ConversationRename,
    owner: Owner,
    session: SessionDep,
) -> ConversationOut:
    record = await ConversationStore(session, owner).rename(conversation_id, body.title)
    if record is None:
        raise ConversationNotFound()
    return ConversationOut.of(record)


@router.delete(
    "/conversations/{conversation_id}",
    tags=["conversations"],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a conversation and its messages",
    responses=responses(ConversationNotFound),
)
async def delete_conversation(
    conversation_id: ConversationNumber, owner: Owner, session: SessionDep
) -> Response:
    if not await ConversationStore(session, owner).delete(conversation_id):
        raise ConversationNotFound()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
