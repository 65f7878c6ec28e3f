"""Attach to a conversation's run and stop it (docs/api.md §12)."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from backend.auth.deps import Owner
from backend.conversations import sse
from backend.deps import ServicesDep
from backend.http.errors import (
    ConversationNotFound,
    Forbidden,
    InvalidRequest,
    TooManyApiRequests,
    TooManyOpenStreams,
    Unauthorized,
    responses,
)
from backend.limits.rest import REST_RATE_LIMIT

router = APIRouter(
    prefix="/api/{user_id}/conversations/{conversation_id}",
    tags=["runs"],
    responses=responses(
        Unauthorized,
        Forbidden,
        InvalidRequest,
        ConversationNotFound,
        TooManyApiRequests,
        TooManyOpenStreams,
    ),
    # Attaching (a 204 included) and stopping count like every other conversation route.
    dependencies=[REST_RATE_LIMIT],
)
ConversationNumber = Annotated[int, Path(ge=1, le=2_147_483_647)]
EventId = Annotated[str | None, Query(max_length=200, description="Instead of Last-Event-ID.")]


@router.get(
    "/stream",
    summary="Attach to the conversation's run",
    description="The events after `Last-Event-ID` (header, or `last_event_id`) while its run"
    " is kept, else the running run's events from its first; then live ones until `done` or"
    " `error`. `204` when there is nothing to attach to: read the messages instead.",
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        204: {"description": "No run to attach to."},
    },
)
async def attach(
    conversation_id: ConversationNumber,
    owner: Owner,
    services: ServicesDep,
    last_event_id: EventId = None,
    last_event_id_header: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=200)
    ] = None,
) -> Response:
    # The slot first: a user at the bound is refused before any database work (1,500
    # attaches past the bound each looked for the run first, and took the pool).
    opened = await services.stream_limit.open(owner)
    try:
        events = await services.runs.attach(
            owner, conversation_id, last_event_id_header or last_event_id
        )
    except BaseException:
        await opened.give_back()
        raise
    if events is None:
        await opened.give_back()
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return sse.event_stream(opened.guard(events), {})


@router.post(
    "/stop",
    summary="Stop the conversation's run",
    description="`202` when a running run was asked to stop (every viewer then ends with"
    " `done` of status `stopped`), `204` when none was running.",
    status_code=status.HTTP_202_ACCEPTED,
    responses={204: {"description": "No run was running."}},
)
async def stop(
    conversation_id: ConversationNumber, owner: Owner, services: ServicesDep
) -> Response:
    stopped = await services.runs.stop(owner, conversation_id)
    return Response(status_code=status.HTTP_202_ACCEPTED if stopped else status.HTTP_204_NO_CONTENT)
