"""Following a run's events, on any process: the POST that started it, an attach, ChatKit.

A viewer reads the run's log from the broker (`follow`): the events logged already, then live
ones, until `done` or `error`. When nothing arrives for a while it asks whether the run's
owner is still alive; an owner that is gone (its process died) leaves no final event, so the
viewer ends with `error` `run_lost` rather than waiting forever.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from agent.events import Failed
from backend.broker.base import Broker, LoggedEvent
from backend.conversations import wire
from backend.runs.ref import RunRef

log = logging.getLogger(__name__)

# A quiet run (a slow model, a long tool call) is checked on this often.
IDLE_SECONDS = 10.0
# A run whose log is not there yet (or was lost with the broker) is looked for again after.
MISSING_LOG_RETRY_SECONDS = 0.2

RUN_LOST = Failed(
    "run_lost",
    "The server that was answering went away; the conversation's messages show what was kept.",
    503,
)

Alive = Callable[[RunRef], Awaitable[bool]]


async def follow(
    broker: Broker, ref: RunRef, alive: Alive, after: int = 0
) -> AsyncIterator[wire.Viewed]:
    """The run's events with seq > `after`, each with its id, ending with its final event."""
    while True:
        seen = after
        async with reading(broker.follow(ref.key, after, IDLE_SECONDS)) as logged_events:
            async for logged in logged_events:
                after = logged.seq
                event = wire.from_log(logged.name, logged.data)
                yield wire.event_id(ref.run, logged.seq), event
                if wire.is_final(event):
                    return
        if not await alive(ref):
            yield None, RUN_LOST
            return
        if after == seen:
            # Nothing after `after`: the log may no longer start there (over STREAM_MAXLEN
            # events it is trimmed; after a Redis restart it starts where writing resumed).
            # Serve from its first kept event, after a `notice` saying so; otherwise wait
            # before looking again, never going round at once (each round reads the log and
            # asks PostgreSQL).
            first = await broker.first_kept(ref.key)
            if first is not None and first > after + 1:
                log.warning(
                    "run log no longer holds events %d to %d; serving from event %d",
                    after + 1,
                    first - 1,
                    first,
                    extra={"user_id": ref.owner, "conversation_id": ref.conversation},
                )
                yield None, wire.Skipped(after + 1, first - 1)
                after = first - 1
                continue
            await asyncio.sleep(MISSING_LOG_RETRY_SECONDS)


async def last_seen_was_final(broker: Broker, ref: RunRef, seq: int) -> bool | None:
    """Whether the event `seq` of the run's log ended the run; None when the log does not
    hold it (forgotten, or an id that was never given out)."""
    if seq < 1:
        return None
    async with reading(broker.follow(ref.key, seq - 1, 0.0)) as logged_events:
        async for logged in logged_events:
            return logged.seq == seq and logged.name in wire.FINAL_EVENTS
    return None


@asynccontextmanager
async def reading(
    events: AsyncIterator[LoggedEvent],
) -> AsyncIterator[AsyncIterator[LoggedEvent]]:
    """A broker's follow, closed when left early (a Redis read may hold a connection)."""
    try:
        yield events
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
