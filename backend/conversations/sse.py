"""Streaming a chat turn as SSE: pings, shutdown, and a final event whatever happens
(docs/api.md §8). The frames themselves are `wire.frame`."""

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio
from sse_starlette import EventSourceResponse, JSONServerSentEvent, ServerSentEvent

from agent.events import Failed
from backend.conversations.wire import Viewed, frame, is_final
from backend.db.engine import database_unavailable
from backend.http.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

INTERNAL_FAILURE = Failed("internal_error", "Something went wrong on our side; please retry.", 500)
DATABASE_FAILURE = Failed(
    DatabaseUnavailable.code, DatabaseUnavailable.detail, DatabaseUnavailable.status_code
)
SHUTDOWN_FAILURE = Failed(
    "server_shutting_down",
    "The server restarted before the answer was finished; your message is kept: retry it once"
    " the server is back.",
    503,
)

# A viewer that does not keep up (its socket full, the send waiting) gets this many events
# queued, then is dropped with VIEWER_BEHIND: following a run for someone who does not read
# costs nothing more, and the client resumes from the last event it has (Last-Event-ID).
VIEWER_BUFFER_EVENTS = 256
VIEWER_BEHIND = Failed(
    "viewer_behind",
    "This stream fell too far behind the answer; reconnect with Last-Event-ID to resume.",
    503,
)

# sse-starlette sets the shutdown event, then cancels after this; our generator uses the
# time to end each stream with a final `error` event. Below uvicorn's graceful window.
SHUTDOWN_GRACE_SECONDS = 3.0

# docs/api.md §8: a `: ping` comment at least every 15 s while a turn runs. Pings are sent on a
# timer, so a margin below 15 s keeps the promise when the loop is busy.
PING_SECONDS = 10.0


def wants_event_stream(accept: str | None) -> bool:
    """SSE when `Accept` ranks `text/event-stream` above `application/json` (q-values);
    JSON, the documented default, on a tie or when neither is named."""
    return _quality(accept, "text/event-stream") > _quality(accept, "application/json")


def _quality(accept: str | None, media_type: str) -> float:
    best = 0.0
    for part in (accept or "").split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        if name.lower() != media_type:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        best = max(best, quality)
    return best


def ping() -> ServerSentEvent:
    return ServerSentEvent(comment="ping")


def failure_of(error: Exception) -> Failed:
    """What the client is told when a started turn breaks on our side (the user's message is
    stored; provider failures never get here, `agent.run` maps them)."""
    return DATABASE_FAILURE if database_unavailable(error) else INTERNAL_FAILURE


@dataclass(frozen=True, slots=True)
class _Ended:
    """Queued by the turn's task after its last event."""

    error: Exception | None = None
    interrupted: bool = False


@dataclass(frozen=True, slots=True)
class _ShuttingDown:
    pass


_Queued = Viewed | _Ended | _ShuttingDown


async def _pump(events: AsyncIterator[Viewed], ready: "asyncio.Queue[_Queued]") -> None:
    """Follow the run, queueing each event as it comes; its error goes to the consumer. A
    full buffer ends the following with VIEWER_BEHIND."""
    try:
        async for event in events:
            if ready.qsize() >= VIEWER_BUFFER_EVENTS:
                ready.put_nowait((None, VIEWER_BEHIND))
                break
            ready.put_nowait(event)
    except Exception as error:
        ready.put_nowait(_Ended(error))
    except BaseException:
        ready.put_nowait(_Ended(interrupted=True))
        raise
    else:
        ready.put_nowait(_Ended())


async def _announce(shutdown: anyio.Event, ready: "asyncio.Queue[_Queued]") -> None:
    await shutdown.wait()
    ready.put_nowait(_ShuttingDown())


async def _stopped(task: "asyncio.Task[None]") -> None:
    if not task.done():
        task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def until_shutdown(
    events: AsyncIterator[Viewed], shutdown: anyio.Event
) -> AsyncIterator[Viewed]:
    """Pass events through; when the server shuts down, stop following and end with an
    error event instead of cutting the stream (the run itself is stopped by the registry).

    The following runs in one task of its own that queues its events: this generator passes
    on whatever is ready without a task and a wait per event (a busy server then catches up
    on a backlog in one go, instead of one event per round of the event loop)."""
    ready: asyncio.Queue[_Queued] = asyncio.Queue()
    turn = asyncio.create_task(_pump(events, ready))
    stop = asyncio.create_task(_announce(shutdown, ready))
    try:
        while True:
            item = await ready.get()
            if isinstance(item, _ShuttingDown):
                await _stopped(turn)
                async for late in _produced_before_stopping(ready):
                    yield late
                return
            if isinstance(item, _Ended):
                if item.error is not None:
                    raise item.error
                if item.interrupted:
                    raise RuntimeError("following the run was interrupted")
                return
            yield item
    finally:
        stop.cancel()
        # Cancelled here (the client left): stop following, and let that settle before the
        # response ends. The run goes on without this viewer.
        with anyio.move_on_after(10, shield=True):
            await _stopped(turn)
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()


async def _produced_before_stopping(ready: "asyncio.Queue[_Queued]") -> AsyncIterator[Viewed]:
    """After a shutdown: what was followed already, then the shutdown error, unless the run
    had already ended with its own final event."""
    while not ready.empty():
        item = ready.get_nowait()
        if isinstance(item, _Ended):
            if item.error is not None:
                raise item.error
            if not item.interrupted:
                return
        elif not isinstance(item, _ShuttingDown):
            yield item
            if is_final(item[1]):
                return
    yield None, SHUTDOWN_FAILURE


async def sse_frames(
    events: AsyncIterator[Viewed], shutdown: anyio.Event
) -> AsyncIterator[JSONServerSentEvent]:
    try:
        async for event_id, event in until_shutdown(events, shutdown):
            name, data = frame(event)
            yield JSONServerSentEvent(data=data, event=name, id=event_id)
    except Exception as error:
        # The stream's boundary: whatever broke, the client gets a final event, not a cut.
        log.exception("chat stream failed")
        name, data = frame(failure_of(error))
        yield JSONServerSentEvent(data=data, event=name)


def event_stream(events: AsyncIterator[Viewed], headers: dict[str, str]) -> EventSourceResponse:
    """The response of every viewer that streams: a chat's first viewer, an attach."""
    shutdown = anyio.Event()
    return EventSourceResponse(
        sse_frames(events, shutdown),
        ping=PING_SECONDS,
        ping_message_factory=ping,
        send_timeout=30,
        shutdown_event=shutdown,
        shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
        headers={"Cache-Control": "no-store", **headers},
    )
