"""Storm 4: SIGTERM while 50 answers are streaming.

`todo-chat serve` runs as a process of its own against a slow fake provider (another
process). Once each of 50 clients (50 users) has its first event, the server gets SIGTERM:
every client still receives a final event (`error` server_shutting_down, or `done`) within
the graceful-shutdown window, every run is stopped and its answer so far stored as stopped, no
conversation stays claimed, and the process exits.
"""

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.conversations.sse import SHUTDOWN_GRACE_SECONDS
from tests.processes import fake_provider, serve_env, todo_chat_serve
from tests.rows import rows, scalar
from tests.sse import SSE, read_events
from tests.storms.support import FINAL_EVENTS, Stream, client, report
from tests.tokens import TokenFactory

STREAMS = 50
GRACEFUL_SHUTDOWN = 10.0  # todo-chat serve --graceful-shutdown


async def _listen(
    http: httpx.AsyncClient, user: str, token: str, first: asyncio.Event, times: list[float]
) -> Stream:
    """One chat stream read to its end; `times[i]` is when event i arrived."""
    headers = {**SSE, "Authorization": f"Bearer {token}"}
    body = {"message": f"Tell {user} something long", "conversation_id": None}
    async with http.stream("POST", f"/api/{user}/chat", json=body, headers=headers) as response:
        stream = Stream(response.status_code)
        if response.status_code != 200:
            first.set()
            await response.aread()
            stream.body = response.json()
            return stream
        try:
            async for event in read_events(response):
                stream.events.append(event)
                times.append(time.monotonic())
                first.set()
        except httpx.TransportError:
            pass  # cut without a final event: the assertions below report it
        return stream


async def _upstream_open(provider_url: str, streams: int) -> dict[str, int]:
    """The fake provider's counters once `streams` model requests are streaming."""
    async with httpx.AsyncClient() as probe:
        while True:
            stats: dict[str, int] = (await probe.get(f"{provider_url}/fake/stats")).json()
            if stats["active_streams"] >= streams:
                return stats
            await asyncio.sleep(0.05)


async def test_sigterm_during_open_streams(
    database: str, db_engine: AsyncEngine, tmp_path: Path, make_token: TokenFactory
) -> None:
    firsts = [asyncio.Event() for _ in range(STREAMS)]
    times: list[list[float]] = [[] for _ in range(STREAMS)]
    async with fake_provider(tmp_path / "fake.log", "--ttft", "0.5", "--tps", "5") as provider_url:
        env = serve_env(database, provider_url, tmp_path)
        grace = ("--graceful-shutdown", str(GRACEFUL_SHUTDOWN))
        async with (
            todo_chat_serve(env, *grace, cwd=tmp_path, log=tmp_path / "serve.log") as served,
            client(served.url) as http,
        ):
            server = served.process
            listeners = [
                asyncio.create_task(
                    _listen(http, f"term-{i:02d}", make_token(f"term-{i:02d}"), firsts[i], times[i])
                )
                for i in range(STREAMS)
            ]
            try:
                async with asyncio.timeout(30):
                    await asyncio.gather(*(first.wait() for first in firsts))
                    before = await _upstream_open(provider_url, STREAMS)
                terminated = time.monotonic()
                server.send_signal(signal.SIGTERM)
                async with asyncio.timeout(GRACEFUL_SHUTDOWN + 5):
                    streams = await asyncio.gather(*listeners)
                async with asyncio.timeout(GRACEFUL_SHUTDOWN + 5):
                    returncode = await server.wait()
                exited = time.monotonic() - terminated
            finally:
                for listener in listeners:
                    listener.cancel()
                await asyncio.gather(*listeners, return_exceptions=True)
        async with httpx.AsyncClient() as probe:
            after = (await probe.get(f"{provider_url}/fake/stats")).json()

    finals = [t[-1] - terminated for t, s in zip(times, streams, strict=True) if s.finals]
    outcomes = Counter(s.outcome for s in streams)
    busy = await scalar(
        db_engine, "SELECT count(*) FROM conversations WHERE active_run_id IS NOT NULL"
    )
    answers = Counter(
        status
        for (status,) in await rows(
            db_engine, "SELECT status FROM messages WHERE role = 'assistant'"
        )
    )
    report(
        "SIGTERM during 50 open streams (todo-chat serve, slow provider: ttft 0.5s, 5 tps)",
        {
            "streams open at SIGTERM": STREAMS,
            "upstream model requests streaming at SIGTERM": before["active_streams"],
            "outcomes": dict(sorted(outcomes.items())),
            "final event after SIGTERM, first/last (s)": (
                f"{min(finals, default=-1):.2f} / {max(finals, default=-1):.2f}"
            ),
            "process exited after SIGTERM (s)": round(exited, 2),
            "return code": returncode,
            "upstream streams cancelled / completed": (
                f"{after['cancelled_streams']} / {after['completed_streams']}"
            ),
            "conversations left claimed": busy,
            "answers stored": dict(answers),
        },
    )

    for stream in streams:
        assert stream.status == 200, stream.body
        assert [e.name for e in stream.finals] == [stream.events[-1].name], stream.events[-3:]
        assert stream.events[-1].name in FINAL_EVENTS
        assert stream.outcome in {"done", "error:server_shutting_down"}, stream.outcome
    assert len(finals) == STREAMS
    assert max(finals) < SHUTDOWN_GRACE_SECONDS + 1.0  # the shutdown was seen, not timed out
    assert exited < GRACEFUL_SHUTDOWN
    # 128 + 15: SIGTERM unwound the command (an embedded database would be stopped too).
    assert returncode in {0, 128 + signal.SIGTERM}
    assert busy == 0
    stopped = outcomes["error:server_shutting_down"]
    assert answers == Counter({"stopped": stopped, "completed": STREAMS - stopped})
    assert after["cancelled_streams"] == STREAMS  # every model request was closed upstream
