"""Storms 1, 2 and 3 (issue "Hardening III"): one user attacks with streams while another
user lists their tasks; the other user's p99 is printed against its baseline each time.

1. connection slots: the attacker opens live feeds without end (4,096 took every connection
   of the process before the per-user bound);
2. fan-out: the attacker's run sends a delta every 0.1 s to viewers that attach and never
   read (1,500 took the process to a full core);
3. a replica that does not own a run, attached to with its Redis log trimmed (the replica
   spun at a full core, re-reading the log and asking PostgreSQL each round).

Servers are `todo-chat serve` processes, as deployed. The attacker's streams are raw
sockets that read the status line and nothing more, so each costs the test almost nothing.
"""

import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis.asyncio

from tests.polling import eventually
from tests.processes import Served, fake_provider, serve_env, todo_chat_serve
from tests.redis_server import RestartableRedis
from tests.sse import read_events
from tests.storms.attacks import SilentStreams, cpu_seconds
from tests.storms.support import report
from tests.tokens import AuthHeaders

REQUESTS = 150
ATTEMPTS = 1_500
# What an attack may add to the server's CPU while bob is measured: they took 0.85-1 core.
EXTRA_CORES = 0.35
FAN_OUT_MODEL = ("--ttft", "0.1", "--tps", "10", "--reply-words", "2000", "--chunk-size", "1")


# --- the other user, and the attacker's silent streams ---------------------------------------


# Bob's client runs in a process of its own: timed from the test's event loop, which also
# reads the attacker's streams, his latencies carried the test's own delays.
BOB = """
import json, sys, time, httpx
url, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
took = []
with httpx.Client(base_url=url, timeout=30) as http:
    for _ in range(count):
        started = time.perf_counter()
        response = http.get("/api/bob/tasks", headers={"Authorization": f"Bearer {token}"})
        took.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
print(json.dumps(took))
"""


async def latencies(url: str, headers: dict[str, str]) -> list[float]:
    token = headers["Authorization"].removeprefix("Bearer ")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BOB, url, token, str(REQUESTS), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, "bob's requests failed"
    took: list[float] = json.loads(out)
    return took


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


@dataclass
class Storm:
    baseline: list[float]
    under: list[float]
    quiet: float  # the server's CPU (cores) while bob was measured alone
    cores: float  # and while he was measured under attack

    def assert_cheap(self) -> None:
        """The attack adds little to what serving bob costs the server (it added a core)."""
        assert self.cores - self.quiet < EXTRA_CORES, (self.quiet, self.cores)


async def storm_figures(
    title: str,
    http: httpx.AsyncClient,
    server: Served,
    bob: dict[str, str],
    attack: Callable[[], Awaitable[None]],
    figures: Callable[[], dict[str, object]],
) -> Storm:
    """Bob's latencies before and while `attack` runs (it is started, then left running)."""
    for n in range(20):
        await http.post("/api/bob/tasks", json={"title": f"t{n}"}, headers=bob)
    await latencies(server.url, bob)  # warm up
    cpu, wall = cpu_seconds(server.process.pid), time.monotonic()
    baseline = await latencies(server.url, bob)
    quiet = (cpu_seconds(server.process.pid) - cpu) / (time.monotonic() - wall)
    await attack()
    cpu, wall = cpu_seconds(server.process.pid), time.monotonic()
    under = await latencies(server.url, bob)
    cores = (cpu_seconds(server.process.pid) - cpu) / (time.monotonic() - wall)
    report(
        title,
        {
            "baseline p50/p99 ms": f"{p(baseline, 50):.1f} / {p(baseline, 99):.1f}",
            "under attack p50/p99 ms": f"{p(under, 50):.1f} / {p(under, 99):.1f}",
            "p99 ratio": f"{p(under, 99) / p(baseline, 99):.2f}",
            "server CPU serving bob, alone / under attack (cores)": f"{quiet:.2f} / {cores:.2f}",
            **figures(),
        },
    )
    return Storm(baseline, under, quiet, cores)


# --- servers ---------------------------------------------------------------------------------


@asynccontextmanager
async def one_server(
    database: str, tmp_path: Path, model: tuple[str, ...] = FAN_OUT_MODEL, **env: str
) -> AsyncIterator[Served]:
    async with fake_provider(tmp_path / "fake-openai.log", *model) as provider:
        served_env = serve_env(database, provider, tmp_path / "data")
        served_env.update({"STREAMS_PER_USER": "20", **env})
        async with todo_chat_serve(served_env, cwd=tmp_path, log=tmp_path / "serve.log") as served:
            yield served


# --- the storms ------------------------------------------------------------------------------


async def test_storm_1_feeds_without_end(
    database: str, tmp_path: Path, auth: AuthHeaders, make_token: "Callable[..., str]"
) -> None:
    async with (
        one_server(database, tmp_path) as served,
        httpx.AsyncClient(base_url=served.url, timeout=30) as http,
    ):
        streams = SilentStreams(served.port, make_token("mallory"))
        more = SilentStreams(served.port, make_token("mallory"))
        going_on: list[asyncio.Task[None]] = []

        async def attack() -> None:
            await asyncio.gather(*(streams.open("/api/mallory/events") for _ in range(ATTEMPTS)))
            # 50 more a second while bob is measured
            going_on.append(asyncio.create_task(more.keep_opening("/api/mallory/events")))

        try:
            storm = await storm_figures(
                "1: live feeds without end",
                http,
                served,
                auth("bob"),
                attack,
                lambda: {
                    "attacker's feeds": streams.counts(),
                    "then, while bob was measured": more.counts(),
                },
            )
        finally:
            for task in going_on:
                task.cancel()
            await asyncio.gather(*going_on, return_exceptions=True)
            streams.close()
            more.close()
    assert streams.statuses.count(200) == 20  # STREAMS_PER_USER
    assert streams.statuses.count(429) == ATTEMPTS - 20
    assert set(more.statuses) == {429}
    # Bob's p50 holds; his p99 of 150 requests is one or two samples, which a busy 2-core
    # machine moves by 2-5x between runs (printed; docs/limits.md). The server's CPU is not.
    storm.assert_cheap()


async def test_storm_2_viewers_that_never_read(
    database: str, tmp_path: Path, auth: AuthHeaders, make_token: "Callable[..., str]"
) -> None:
    async with (
        one_server(database, tmp_path) as served,
        httpx.AsyncClient(base_url=served.url, timeout=60) as http,
    ):
        mallory = auth("mallory")
        streams = SilentStreams(served.port, make_token("mallory"))
        running: list[asyncio.Task[None]] = []

        async def answer_slowly() -> None:
            body = {"message": "Tell me a long story"}
            async with http.stream(
                "POST",
                "/api/mallory/chat",
                json=body,
                headers={**mallory, "Accept": "text/event-stream"},
            ) as response:
                async for _ in read_events(response):
                    pass

        async def attack() -> None:
            running.append(asyncio.create_task(answer_slowly()))

            async def started() -> bool:
                got = await http.get("/api/mallory/conversations/1", headers=mallory)
                return got.status_code == 200 and bool(got.json()["running"])

            await eventually(started, 10, "the attacker's run started")
            path = "/api/mallory/conversations/1/stream"
            await asyncio.gather(*(streams.open(path) for _ in range(ATTEMPTS)))

        try:
            storm = await storm_figures(
                "2: viewers of one run that never read",
                http,
                served,
                auth("bob"),
                attack,
                lambda: {"attacker's attaches": streams.counts()},
            )
        finally:
            streams.close()
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
    # Refused before any database work: exactly the bound's 20 looked for the run (in a
    # burst on a busy machine some of those may wait out the pool: 503, the attacker's own).
    assert streams.statuses.count(429) == ATTEMPTS - 20
    assert set(streams.statuses) <= {200, 429, 503}
    # A p99 ratio with a run streaming beside bob is noise on a shared 2-core machine (the
    # figures are printed; docs/limits.md has them); the server's CPU is not.
    storm.assert_cheap()


async def test_storm_3_attaches_to_a_trimmed_log_on_the_other_replica(
    database: str, tmp_path: Path, auth: AuthHeaders, make_token: "Callable[..., str]"
) -> None:
    server = RestartableRedis(tmp_path)
    await server.start()
    slow = ("--ttft", "0.1", "--tps", "20", "--reply-words", "2000", "--chunk-size", "1")
    try:
        async with fake_provider(tmp_path / "fake-openai.log", *slow) as provider:
            env = serve_env(database, provider, tmp_path / "data")
            env.update({"REDIS_URL": server.url, "STREAMS_PER_USER": "20"})
            async with (
                todo_chat_serve(env, cwd=tmp_path, log=tmp_path / "first.log") as owner,
                todo_chat_serve(env, cwd=tmp_path, log=tmp_path / "second.log") as other,
                httpx.AsyncClient(base_url=owner.url, timeout=60) as owner_http,
                httpx.AsyncClient(base_url=other.url, timeout=60) as http,
            ):
                await _trimmed_log_storm(owner_http, http, other, auth, make_token, server.url)
    finally:
        await server.stop()


async def _trimmed_log_storm(
    owner_http: httpx.AsyncClient,
    http: httpx.AsyncClient,
    other: Served,
    auth: AuthHeaders,
    make_token: "Callable[..., str]",
    redis_url: str,
) -> None:
    mallory = auth("mallory")
    streams = SilentStreams(other.port, make_token("mallory"))
    running: list[asyncio.Task[None]] = []
    first_ids: list[str] = []

    async def answer() -> None:
        body = {"message": "Tell me a long story"}
        headers = {**mallory, "Accept": "text/event-stream"}
        async with owner_http.stream(
            "POST", "/api/mallory/chat", json=body, headers=headers
        ) as response:
            async for event in read_events(response):
                if event.id is not None and len(first_ids) < 10:
                    first_ids.append(event.id)

    async def attack() -> None:
        running.append(asyncio.create_task(answer()))

        async def started() -> bool:
            return len(first_ids) >= 10

        await eventually(started, 10, "the attacker's run started")
        run = first_ids[0].rsplit(".", 1)[0]
        store = redis.asyncio.Redis.from_url(redis_url)
        try:  # as STREAM_MAXLEN trims a log past 10,000 events
            await store.xtrim(f"todo-chat:run:{run}/1/mallory", minid="0-6", approximate=False)
        finally:
            await store.aclose()
        path = "/api/mallory/conversations/1/stream"  # a reload: no Last-Event-ID
        await asyncio.gather(*(streams.open(path) for _ in range(20)))

    try:
        storm = await storm_figures(
            "3: attaches to a trimmed log on the replica that does not own the run",
            http,
            other,
            auth("bob"),
            attack,
            lambda: {"attacker's attaches": streams.counts()},
        )
    finally:
        streams.close()
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    assert streams.statuses.count(200) == 20
    storm.assert_cheap()  # it spun at 0.85-0.99 cores
