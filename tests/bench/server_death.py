"""How long a run of a server that died takes to be lost for its viewers: a turn started on
one todo-chat (the victim), a stream attached to it on another (same PostgreSQL and Redis),
the victim SIGKILLed mid-answer, and the time until the attached stream ends with `error`
`run_lost` (the other server's beat takes the run over; docs/runs.md, "Server beats")."""

import asyncio
import os
import signal
import time

import httpx

from tests.bench.todo_chat import Users
from tests.sse import SSEEvent, read_events

WITHIN_SECONDS = 15.0


async def run_lost_after_kill(
    victim_url: str, victim_pid: int, survivor_url: str, users: Users, message: str
) -> float:
    user, token = users.user(10_000)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    body = {"message": message, "conversation_id": None}
    async with httpx.AsyncClient(timeout=60) as client:
        async with client.stream(
            "POST", f"{victim_url}/api/{user}/chat", json=body, headers=headers
        ) as started:
            events = read_events(started)
            conversation = (await anext(events)).data["conversation_id"]
            await anext(events)  # the answer is being written
            path = f"{survivor_url}/api/{user}/conversations/{conversation}/stream"
            seen: list[SSEEvent] = []
            following = asyncio.Event()
            attached = asyncio.create_task(_read(client, path, headers, seen, following))
            await following.wait()
            os.kill(victim_pid, signal.SIGKILL)
            killed = time.monotonic()
            async with asyncio.timeout(WITHIN_SECONDS * 3):
                await attached
            lost_after = time.monotonic() - killed
    assert seen[-1].name == "error", seen[-1]
    assert seen[-1].data["code"] == "run_lost", seen[-1]
    return lost_after


async def _read(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    seen: list[SSEEvent],
    following: asyncio.Event,
) -> None:
    async with client.stream("GET", path, headers=headers) as response:
        async for event in read_events(response):
            seen.append(event)
            if len(seen) >= 2:  # the answer so far, then a live event
                following.set()
