"""Driving a run in the process that started it (its owner).

The run's task drives the turn (backend/conversations/chat.py `turn_events`, which stores
the answer before announcing it) and appends every event to the run's log in the broker,
seq 1, 2, 3…; viewers anywhere follow that log. Beside it a small task waits for a stop
request from any process. The run's liveness is its server's (backend/runs/servers.py: one
beat per process for all its runs). When the run ends its log is kept CHAT_RESUME_SECONDS
for late viewers.
"""

import asyncio
import logging
import uuid
from dataclasses import dataclass

from backend.broker.base import Broker, LoggedEvent
from backend.conversations import wire
from backend.conversations.chat import ChatRuntime, Turn, turn_events
from backend.conversations.so_far import AnswerSoFar
from backend.conversations.sse import DATABASE_FAILURE, failure_of
from backend.db.engine import SessionMaker
from backend.http.errors import BrokerUnavailable
from backend.runs.ref import RunRef
from backend.runs.unstored import store_when_back

log = logging.getLogger(__name__)

# How long to wait before asking the broker again for stop requests after it failed.
BROKER_RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class RunDeps:
    """What every run of this process shares."""

    broker: Broker
    sessionmaker: SessionMaker
    runtime: ChatRuntime
    resume_seconds: float
    server: uuid.UUID  # this process's id in `servers`: its runs' claims name it


class LogWriter:
    """The run's side of its event log: numbers the events and appends them.

    A broker that cannot be reached loses the event for viewers, never the run: the answer
    is stored in PostgreSQL whatever happens here."""

    def __init__(self, broker: Broker, ref: RunRef) -> None:
        self._broker = broker
        self._ref = ref
        self._seq = 0

    async def append(self, event: wire.ChatEvent) -> None:
        self._seq += 1
        name, data = wire.to_log(event)
        try:
            await self._broker.append(self._ref.key, LoggedEvent(self._seq, name, data))
        except BrokerUnavailable:
            log.warning("run event %d not logged: the broker is unavailable", self._seq)

    async def close(self, keep_seconds: float) -> None:
        try:
            await self._broker.forget_after(self._ref.key, keep_seconds)
        except BrokerUnavailable:
            log.warning("run log not scheduled for expiry: the broker is unavailable")


async def drive(
    deps: RunDeps, ref: RunRef, turn: Turn, events: LogWriter, stop: asyncio.Event
) -> None:
    """The run's task, from the first model call to the stored answer (the user's message
    and the `conversation` event are already stored and logged)."""
    watcher = asyncio.create_task(_stop_on_request(deps.broker, ref, stop))
    so_far = AnswerSoFar()
    failure = None
    try:
        try:
            async for event in turn_events(deps.sessionmaker, deps.runtime, turn, stop, so_far):
                await events.append(event)
        except Exception as error:
            # The run's boundary: whatever broke, viewers get a final event, not silence.
            log.exception("chat run failed")
            failure = failure_of(error)
            await events.append(failure)
    finally:
        watcher.cancel()
        await events.close(deps.resume_seconds)
    if failure is DATABASE_FAILURE:
        await store_when_back(deps.sessionmaker, turn, failure, so_far)


async def _stop_on_request(broker: Broker, ref: RunRef, stop: asyncio.Event) -> None:
    while True:
        try:
            await broker.wait_for_stop(ref.key)
        except BrokerUnavailable:
            await asyncio.sleep(BROKER_RETRY_SECONDS)
            continue
        stop.set()
        return
