"""`GET /api/{user_id}/events`: the user's live feed (docs/api.md §13)."""

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, JSONServerSentEvent, ServerSentEvent

from backend.auth.deps import Owner
from backend.broker.base import Broker, FeedEvent, FeedMissed
from backend.conversations import sse
from backend.deps import ServicesDep
from backend.http.errors import (
    BrokerUnavailable,
    Forbidden,
    InvalidRequest,
    TooManyOpenStreams,
    Unauthorized,
    responses,
)
from backend.metrics.collectors import FEED_SUBSCRIBERS

router = APIRouter(prefix="/api/{user_id}", tags=["live feed"])

FEED_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "`task`, `conversation` and `reminder` events as they happen.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **responses(Unauthorized, Forbidden, InvalidRequest, BrokerUnavailable, TooManyOpenStreams),
}


@router.get("/events", summary="The live feed of changes", responses=FEED_RESPONSES)
async def live_feed(owner: Owner, services: ServicesDep) -> EventSourceResponse:
    broker = services.broker
    if not await broker.ready():
        raise BrokerUnavailable()
    opened = await services.stream_limit.open(owner)
    return EventSourceResponse(
        opened.guard(_frames(broker, owner)),
        ping=sse.PING_SECONDS,
        ping_message_factory=sse.ping,
        send_timeout=30,
        headers={"Cache-Control": "no-store"},
    )


async def _frames(broker: Broker, owner: str) -> AsyncIterator[ServerSentEvent]:
    """Every event published to the user from now on. The stream ends with `error` as soon as
    it may have missed one (the broker away or reconnected, the client far behind): the
    client reconnects and reloads."""
    try:
        async for frame in _published(broker, owner):
            yield frame
    except FeedMissed as missed:
        yield _behind() if missed.reason == "behind" else _unavailable()
    except BrokerUnavailable:  # the subscription itself failed
        yield _unavailable()


async def _published(broker: Broker, owner: str) -> AsyncIterator[ServerSentEvent]:
    async with broker.subscribe(owner) as events:
        # One pending read across quiet intervals: a read cancelled by a timeout would close
        # the subscription's generator, and the next one would find it exhausted.
        pending: asyncio.Future[FeedEvent] | None = None
        FEED_SUBSCRIBERS.inc()
        try:
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(anext(events))
                done, _ = await asyncio.wait({pending}, timeout=sse.PING_SECONDS)
                if not done:
                    if await broker.ready():
                        continue
                    yield _unavailable()
                    return
                event, pending = pending.result(), None
                yield JSONServerSentEvent(data=event.data, event=event.name)
        finally:
            FEED_SUBSCRIBERS.dec()
            if pending is not None:
                pending.cancel()


FEED_BEHIND = "This feed fell too far behind and may have missed changes; reconnect and reload."


def _error(code: str, detail: str) -> JSONServerSentEvent:
    return JSONServerSentEvent(data={"code": code, "detail": detail}, event="error")


def _unavailable() -> JSONServerSentEvent:
    return _error(BrokerUnavailable.code, BrokerUnavailable.detail)


def _behind() -> JSONServerSentEvent:
    return _error("feed_behind", FEED_BEHIND)
