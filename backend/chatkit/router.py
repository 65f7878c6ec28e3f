"""POST /chatkit: ChatKit's one endpoint (docs/chatkit.md), same bearer auth as the API."""

import logging
from collections.abc import AsyncIterator
from typing import Any

from chatkit.server import StreamingResult
from fastapi import APIRouter, Request, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from backend.auth.deps import CurrentUser
from backend.chatkit.answer import error_event, sse_frame
from backend.chatkit.context import RequestContext
from backend.chatkit.errors import UnsupportedRequest
from backend.conversations.sse import PING_SECONDS, SHUTDOWN_GRACE_SECONDS, failure_of, ping
from backend.deps import ServicesDep
from backend.http.errors import (
    AppError,
    ConversationNotFound,
    InvalidRequest,
    TooManyApiRequests,
    Unauthorized,
    responses,
)
from backend.limits.rest import rest_rate_limit

log = logging.getLogger(__name__)

router = APIRouter(tags=["chatkit"])

_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["type"],
                "properties": {
                    "type": {"type": "string", "examples": ["threads.create", "threads.list"]},
                    "params": {"type": "object"},
                    "metadata": {"type": "object"},
                },
            }
        }
    },
}


@router.post(
    "/chatkit",
    summary="OpenAI ChatKit's server protocol",
    description="One ChatKit request (`threads.create`, `threads.add_user_message`,"
    " `threads.retry_after_item`, `threads.get_by_id`, `threads.list`, `threads.update`,"
    " `threads.delete`, `items.list`, `items.feedback`). Streaming requests answer with a"
    " `text/event-stream` of"
    " ChatKit thread events (errors as ChatKit `error` events); the others with JSON.",
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        **responses(
            Unauthorized,
            InvalidRequest,
            UnsupportedRequest,
            ConversationNotFound,
            TooManyApiRequests,
        ),
    },
)
async def chatkit(request: Request, user: CurrentUser, services: ServicesDep) -> Response:
    # Every ChatKit request (threads.list included) counts toward the user's request limit.
    await rest_rate_limit(user, services)
    context = RequestContext(user)
    result = await services.chatkit.process(await request.body(), context)
    if isinstance(result, StreamingResult):
        return EventSourceResponse(
            _guarded(result),
            ping=PING_SECONDS,
            ping_message_factory=ping,
            send_timeout=30,
            shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
            headers={"Cache-Control": "no-store"},
        )
    return Response(result.json, media_type="application/json")


async def _guarded(result: StreamingResult) -> AsyncIterator[bytes | ServerSentEvent]:
    """The SDK's frames as they are; whatever breaks ends the stream with an error event
    carrying our sentence, never a cut connection."""
    try:
        async for frame in result:
            yield frame
    except AppError as error:  # e.g. deleting what followed a message while it answers
        yield _frame(error.code, error.detail)
    except Exception as error:
        log.exception("chatkit stream failed")
        failed = failure_of(error)
        yield _frame(failed.code, failed.detail)


def _frame(code: str, detail: str) -> bytes:
    return sse_frame(error_event(code, detail, allow_retry=False))
