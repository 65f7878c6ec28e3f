"""Chat and conversation routes (docs/api.md §8, §9). Attach and stop are backend/runs."""

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Path, Query, Response, status
from fastapi.responses import JSONResponse

from agent.events import Failed
from backend.approvals.store import ApprovalStore
from backend.auth.deps import Owner
from backend.conversations import sse, wire
from backend.conversations.schemas import (
    ChatFailure,
    ChatRequest,
    ChatResponse,
    ConversationDetail,
    ConversationList,
    ConversationOut,
    ConversationRename,
    MessageList,
    MessageOut,
    RetryRequest,
)
from backend.conversations.store import ConversationStore
from backend.deps import ServicesDep, SessionDep
from backend.fields import MAX_ROW_NUMBER, PathNumber, SearchQuery
from backend.http.errors import (
    DATABASE_RETRY_AFTER,
    ConversationBusy,
    ConversationNotFound,
    ConversationRunning,
    DatabaseUnavailable,
    ErrorBody,
    Forbidden,
    IdempotencyKeyReused,
    InvalidRequest,
    MessageNotRetryable,
    PayloadTooLarge,
    SearchBusy,
    SearchTimedOut,
    TooManyApiRequests,
    TooManyRequests,
    Unauthorized,
    responses,
)
from backend.idempotency.http import REPLAYED_HEADER, IdempotencyKeyHeader
from backend.idempotency.store import StoredResponse
from backend.limits.chat import admit_chat_message
from backend.limits.rest import REST_RATE_LIMIT
from backend.runs.ref import RunRef
from backend.services import Services

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api/{user_id}",
    responses=responses(Unauthorized, Forbidden, InvalidRequest, TooManyApiRequests),
    dependencies=[REST_RATE_LIMIT],
)
ConversationNumber = Annotated[PathNumber, Path(ge=1, le=MAX_ROW_NUMBER)]

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
    idempotency_key: IdempotencyKeyHeader,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    await admit_turn(services, owner)
    run = await services.runs.start(
        owner, body.conversation_id, body.message, idempotency_key, timezone=body.timezone
    )
    return await chat_response(services, run, accept)


async def admit_turn(services: Services, owner: str) -> None:
    """What every request that starts a model call passes first, a message, a retry or a
    decision: the per-minute limit (429 `rate_limited`) and the daily token budget (429
    `budget_exhausted`)."""
    await admit_chat_message(services.broker, owner, services.settings.chat_requests_per_minute)
    if services.chat.budget is not None:
        await services.chat.budget.admit(owner)


async def chat_response(
    services: Services, run: RunRef | StoredResponse, accept: str | None
) -> Any:
    """A run's answer for the client that started it: SSE or JSON (docs/api.md §8)."""
    if isinstance(run, StoredResponse):
        events, headers = wire.replay(run), {REPLAYED_HEADER: "true"}
    else:
        events, headers = _first_viewer(services, run), {}
    if sse.wants_event_stream(accept):
        return sse.event_stream(events, headers)
    return await _json_answer((event async for _, event in events), headers)


@router.post(
    "/conversations/{conversation_id}/messages/{message_id}/retry",
    tags=["chat"],
    summary="Answer your last message again",
    description="What followed the message (a failed or stopped answer) is replaced by a"
    " fresh answer to it; the message is not stored again. Only the person's last message"
    " can be retried (404 `message_not_found` otherwise). Limits and answers as `POST /chat`"
    " (JSON, or SSE with `Accept: text/event-stream`); a refused retry deletes nothing.",
    response_model=ChatResponse,
    responses={**CHAT_RESPONSES, **responses(MessageNotRetryable)},
)
async def retry(
    conversation_id: ConversationNumber,
    message_id: ConversationNumber,
    owner: Owner,
    services: ServicesDep,
    body: RetryRequest | None = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    await admit_turn(services, owner)  # before the retry deletes anything
    timezone = body.timezone if body is not None else "UTC"
    run = await services.runs.retry(owner, conversation_id, message_id, timezone=timezone)
    return await chat_response(services, run, accept)


async def _first_viewer(services: Services, run: RunRef) -> AsyncIterator[wire.Viewed]:
    """The run's events for the client that started it. With CHAT_ON_DISCONNECT=cancel, this
    client leaving before the end stops the run."""
    ended = False
    try:
        async for viewed in services.runs.follow(run):
            ended = wire.is_final(viewed[1])
            yield viewed
    finally:
        if not ended and services.settings.chat_on_disconnect == "cancel":
            with anyio.CancelScope(shield=True):
                await services.runs.request_stop(run)


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


async def conversation_store(
    owner: Owner, session: SessionDep, services: ServicesDep
) -> ConversationStore:
    return ConversationStore(session, owner, stale_after=services.chat.stale_after)


Conversations = Annotated[ConversationStore, Depends(conversation_store)]


@router.get(
    "/conversations",
    tags=["conversations"],
    summary="List conversations, newest first",
    responses=responses(SearchTimedOut, SearchBusy),
)
async def list_conversations(
    conversations: Conversations,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    q: Annotated[
        SearchQuery | None, Query(description="Search titles and the messages' text.")
    ] = None,
) -> ConversationList:
    records, total = await conversations.list_conversations(limit, offset, q)
    return ConversationList(conversations=[ConversationOut.of(r) for r in records], total=total)


@router.get(
    "/conversations/{conversation_id}",
    tags=["conversations"],
    summary="One conversation",
    responses=responses(ConversationNotFound),
)
async def get_conversation(
    conversation_id: ConversationNumber,
    conversations: Conversations,
    owner: Owner,
    session: SessionDep,
) -> ConversationDetail:
    record = await conversations.get(conversation_id)
    if record is None:
        raise ConversationNotFound()
    pending = await ApprovalStore(session, owner).pending(conversation_id)
    return ConversationDetail.model_validate(
        {**ConversationOut.of(record).model_dump(), "pending_approvals": pending}
    )


@router.get(
    "/conversations/{conversation_id}/messages",
    tags=["conversations"],
    summary="A conversation's messages, oldest first",
    responses=responses(ConversationNotFound),
)
async def list_messages(
    conversation_id: ConversationNumber,
    conversations: Conversations,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int, Query(ge=0, le=2_147_483_647, description="Message id")] = 0,
) -> MessageList:
    records = await conversations.messages(conversation_id, limit=limit, after=after)
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
    conversations: Conversations,
) -> ConversationOut:
    record = await conversations.rename(conversation_id, body.title)
    if record is None:
        raise ConversationNotFound()
    return ConversationOut.of(record)


@router.delete(
    "/conversations/{conversation_id}",
    tags=["conversations"],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a conversation and its messages",
    description="Refused with 409 `conversation_running` while it answers: stop the run"
    " first (`POST .../stop`) or wait for it to end.",
    responses=responses(ConversationNotFound, ConversationRunning),
)
async def delete_conversation(
    conversation_id: ConversationNumber, conversations: Conversations
) -> Response:
    await conversations.delete(conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
