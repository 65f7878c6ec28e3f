"""A run's stream read in the background, each event stamped with when it arrived, so a
measurement can take the time from its own action (an attach, a stop) to an event."""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.sse import SSE, SSEEvent, read_events

DEADLINE = 30.0


@dataclass
class Stamped:
    at: float  # time.perf_counter() when the event's blank line arrived
    event: SSEEvent


@dataclass
class TimedViewer:
    status: int | None = None
    events: list[Stamped] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    task: "asyncio.Task[None] | None" = None

    def count(self, name: str) -> int:
        return sum(1 for stamped in self.events if stamped.event.name == name)

    def first(self, name: str | None = None) -> Stamped | None:
        return next((s for s in self.events if name in (None, s.event.name)), None)

    async def until(self, ready: Any) -> None:
        """Until `ready(self)` holds or the stream ended; each arrival wakes the check."""
        async with asyncio.timeout(DEADLINE):
            while not ready(self) and not (self.task and self.task.done()):
                self.arrived.clear()
                waiter = asyncio.create_task(self.arrived.wait())
                await asyncio.wait({waiter, *([self.task] if self.task else [])},
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                waiter.cancel()

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


def view(
    client: httpx.AsyncClient, method: str, path: str, token: str, **request: Any
) -> TimedViewer:
    viewer = TimedViewer()
    headers = {"Authorization": f"Bearer {token}", **SSE, **request.pop("headers", {})}

    async def read() -> None:
        async with client.stream(method, path, headers=headers, **request) as response:
            viewer.status = response.status_code
            async for event in read_events(response):
                viewer.events.append(Stamped(time.perf_counter(), event))
                viewer.arrived.set()

    viewer.task = asyncio.create_task(read())
    return viewer
