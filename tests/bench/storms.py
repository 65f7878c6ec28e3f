"""`make bench`, second part: another user's latency while one user attacks (the storms of
issue "Hardening III", attacks 1, 2, 3 and 5), each figure beside its own baseline.

Bob, the other user, lists his tasks from a process of his own, one request every GAP
seconds. Windows alternate, ROUNDS times: bob alone, then bob while the attack runs, so a
machine that slows down or speeds up during the run moves both sides alike. Each attack runs
against `todo-chat serve` processes of its own (two replicas on a private Redis for attack 3),
on a database of its own, with the fake provider. A row with no attack at all shows how far
the two sides of this machine differ by chance.

Run alone with `python -m tests.bench.storms` (`--rounds`, `--per-window`).
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio
from sqlalchemy.engine import make_url

from backend.auth.tokens import issue_token
from backend.db.embedded import EmbeddedPostgres
from tests.bench.databases import create_databases
from tests.bench.procs import raise_open_files_limit
from tests.polling import eventually
from tests.processes import Served, fake_provider, serve_env, todo_chat_serve
from tests.redis_server import RestartableRedis
from tests.sse import read_events
from tests.storms.attacks import SEARCH_QUERY, SilentStreams, store_adversarial_tasks
from tests.tokens import TEST_SECRET

ROUNDS = 4
PER_WINDOW = 200
GAP = 0.01  # seconds between bob's requests: paced, so he is a user, not a load test
ATTEMPTS = 1_500  # the attacker's streams at once (20 are held: STREAMS_PER_USER)
SEARCHES_PER_SECOND = 10  # within the request rate (600 a minute)
SLOW_RUN = ("--ttft", "0.1", "--tps", "10", "--reply-words", "4000", "--chunk-size", "1")

# Bob's client: reads a count on stdin, makes that many paced requests, prints their seconds.
BOB = """
import json, sys, time, httpx
url, token, gap = sys.argv[1], sys.argv[2], float(sys.argv[3])
headers = {"Authorization": f"Bearer {token}"}
with httpx.Client(base_url=url, timeout=30) as http:
    for line in sys.stdin:
        took = []
        for _ in range(int(line)):
            started = time.perf_counter()
            response = http.get("/api/bob/tasks", headers=headers)
            took.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"bob got {response.status_code}: {response.text}")
            time.sleep(max(0.0, gap - took[-1]))
        print(json.dumps(took), flush=True)
"""


def token(user: str) -> str:
    return issue_token(TEST_SECRET, user, timedelta(hours=2))


def auth(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user)}"}


class Bob:
    """The other user, in a process of his own (timed from the attacker's event loop, his
    latencies would carry the attacker's delays)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    @asynccontextmanager
    async def listing(cls, url: str) -> AsyncIterator["Bob"]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            for n in range(20):
                await http.post("/api/bob/tasks", json={"title": f"t{n}"}, headers=auth("bob"))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            BOB,
            url,
            token("bob"),
            str(GAP),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            yield cls(process)
        finally:
            assert process.stdin is not None
            process.stdin.close()
            await asyncio.wait_for(process.wait(), 30)

    async def requests(self, count: int) -> list[float]:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(f"{count}\n".encode())
        await self._process.stdin.drain()
        line = await asyncio.wait_for(self._process.stdout.readline(), 120)
        if not line:
            raise RuntimeError("bob's client stopped (a request failed)")
        took: list[float] = json.loads(line)
        return took


async def _nothing() -> None:
    return None


@dataclass
class Attack:
    """What the attacker starts before a window and stops after it, what it ends with after
    the last window, and what it saw."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]
    outcome: Callable[[], str] = lambda: ""
    end: Callable[[], Awaitable[None]] = _nothing


@dataclass
class Figures:
    name: str
    baseline: list[float] = field(default_factory=list)
    under: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)  # p99 ratio of each round
    outcome: str = ""

    def row(self) -> dict[str, Any]:
        base, under = _p99(self.baseline), _p99(self.under)
        return {
            "attack": self.name,
            "samples": f"{len(self.baseline)} / {len(self.under)}",
            "p50 ms": f"{_ms(self.baseline, 50):.1f} -> {_ms(self.under, 50):.1f}",
            "p99 ms": f"{base:.1f} -> {under:.1f}",
            "p99 ratio": f"{under / base:.2f}x",
            "rounds": " ".join(f"{r:.2f}" for r in self.ratios),
            "within 2x": "yes" if under <= 2 * base else "NO",
            "attacker": self.outcome,
        }


def _ms(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def _p99(values: list[float]) -> float:
    return _ms(values, 99)


async def measure(bob: Bob, attack: Attack, rounds: int, per_window: int) -> Figures:
    figures = Figures(attack.name)
    try:
        await bob.requests(per_window)  # warm up
        for _ in range(rounds):
            alone = await bob.requests(per_window)
            await attack.start()
            try:
                under = await bob.requests(per_window)
            finally:
                await attack.stop()
            figures.baseline += alone
            figures.under += under
            figures.ratios.append(_p99(under) / _p99(alone))
    finally:
        await attack.end()
    figures.outcome = attack.outcome()
    return figures


# --- the attacks ------------------------------------------------------------------------------


def no_attack() -> Attack:
    return Attack("none (the two sides by chance)", _nothing, _nothing)


def feeds_without_end(served: Served) -> Attack:
    """1: 1,500 live feeds at once, held, then 50 more a second while bob is measured."""
    held = SilentStreams(served.port, token("mallory"))
    more = SilentStreams(served.port, token("mallory"))
    trying: list[asyncio.Task[None]] = []

    async def start() -> None:
        await asyncio.gather(*(held.open("/api/mallory/events") for _ in range(ATTEMPTS)))
        trying.append(asyncio.create_task(more.keep_opening("/api/mallory/events")))

    async def stop() -> None:
        await _cancel(trying)
        held.close()
        more.close()

    return Attack("1: live feeds without end", start, stop, lambda: _both(held, more))


def viewers_that_never_read(served: Served, http: httpx.AsyncClient) -> Attack:
    """2: the attacker's run sends a delta every 0.1 s; 1,500 attaches that never read."""
    viewers = SilentStreams(served.port, token("mallory"))
    running: list[asyncio.Task[None]] = []

    async def start() -> None:
        if not running:
            running.append(asyncio.create_task(_answer(http, "/api/mallory/chat", [])))
            await _running(http)
        path = "/api/mallory/conversations/1/stream"
        await asyncio.gather(*(viewers.open(path) for _ in range(ATTEMPTS)))

    async def stop() -> None:
        viewers.close()

    async def end() -> None:
        await _cancel(running)

    return Attack("2: viewers of one run that never read", start, stop, viewers.counts, end)


def trimmed_log_elsewhere(other: Served, owner_http: httpx.AsyncClient, redis_url: str) -> Attack:
    """3: the run on one replica, its Redis log trimmed; 20 attaches without Last-Event-ID
    (a reload) on the replica bob is served by."""
    viewers = SilentStreams(other.port, token("mallory"))
    running: list[asyncio.Task[None]] = []
    ids: list[str] = []

    async def start() -> None:
        if not running:
            running.append(asyncio.create_task(_answer(owner_http, "/api/mallory/chat", ids)))
            await eventually(lambda: _holds(len(ids) >= 10), 30, "the attacker's run started")
            run = ids[0].rsplit(".", 1)[0]
            store = redis.asyncio.Redis.from_url(redis_url)
            try:  # as STREAM_MAXLEN trims a log past 10,000 events
                await store.xtrim(f"todo-chat:run:{run}/1/mallory", minid="0-6", approximate=False)
            finally:
                await store.aclose()
        path = "/api/mallory/conversations/1/stream"
        await asyncio.gather(*(viewers.open(path) for _ in range(20)))

    async def stop() -> None:
        viewers.close()

    async def end() -> None:
        await _cancel(running)

    name = "3: attaches to a trimmed log on the other replica"
    return Attack(name, start, stop, viewers.counts, end)


def searches_that_never_match(http: httpx.AsyncClient) -> Attack:
    """5: 10 searches a second over 10,000 tasks that hold every trigram of the query."""
    statuses: list[int] = []
    firing: list[asyncio.Task[None]] = []

    async def search() -> None:
        response = await http.get(
            "/api/mallory/tasks", params={"q": SEARCH_QUERY}, headers=auth("mallory")
        )
        statuses.append(response.status_code)

    async def fire() -> None:
        searches: set[asyncio.Task[None]] = set()
        try:
            while True:
                one = asyncio.create_task(search())
                searches.add(one)
                one.add_done_callback(searches.discard)
                await asyncio.sleep(1 / SEARCHES_PER_SECOND)
        finally:
            await asyncio.gather(*searches, return_exceptions=True)

    async def start() -> None:
        firing.append(asyncio.create_task(fire()))

    async def stop() -> None:
        await _cancel(firing)

    def outcome() -> str:
        return ", ".join(f"{s} x{statuses.count(s)}" for s in sorted(set(statuses)))

    return Attack("5: searches that never match", start, stop, outcome)


# --- helpers of the attacks -------------------------------------------------------------------


async def _holds(value: bool) -> bool:
    return value


async def _answer(http: httpx.AsyncClient, path: str, ids: list[str]) -> None:
    body = {"message": "Tell me a long story"}
    headers = {**auth("mallory"), "Accept": "text/event-stream"}
    async with http.stream("POST", path, json=body, headers=headers) as response:
        async for event in read_events(response):
            if event.id is not None and len(ids) < 10:
                ids.append(event.id)


async def _running(http: httpx.AsyncClient) -> None:
    async def started() -> bool:
        got = await http.get("/api/mallory/conversations/1", headers=auth("mallory"))
        return got.status_code == 200 and bool(got.json()["running"])

    await eventually(started, 30, "the attacker's run started")


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    tasks.clear()


def _both(held: SilentStreams, more: SilentStreams) -> str:
    return f"held: {held.counts()}; more while measured: {more.counts()}"


# --- servers, and the table -------------------------------------------------------------------


@dataclass
class Place:
    """Where the storms run: an embedded PostgreSQL, a scratch directory, the settings."""

    server_url: str
    tmp: Path
    rounds: int
    per_window: int
    databases: int = 0

    async def database(self) -> str:
        self.databases += 1
        (url,) = await create_databases(self.server_url, [f"storm_{self.databases}"])
        return url

    def dir(self, name: str) -> Path:
        path = self.tmp / name
        path.mkdir(parents=True, exist_ok=True)
        return path


@asynccontextmanager
async def one_server(
    place: Place, name: str, database: str, model: Sequence[str] = SLOW_RUN, **env: str
) -> AsyncIterator[Served]:
    work = place.dir(name)
    async with fake_provider(work / "fake-openai.log", *model) as provider:
        served_env = serve_env(database, provider, work / "data")
        served_env.update({"STREAMS_PER_USER": "20", **env})
        async with todo_chat_serve(served_env, cwd=work, log=work / "serve.log") as served:
            yield served


async def storm(place: Place, name: str, make: Callable[..., Any]) -> Figures:
    """One attack on a server of its own, bob measured beside it."""
    database = await place.database()
    async with AsyncExitStack() as stack:
        if name == "3":
            redis_server = RestartableRedis(place.dir(f"storm-{name}-redis"))
            await redis_server.start()
            stack.push_async_callback(redis_server.stop)
            owner = await stack.enter_async_context(
                one_server(place, "storm-3-owner", database, REDIS_URL=redis_server.url)
            )
            served = await stack.enter_async_context(
                one_server(place, "storm-3-other", database, REDIS_URL=redis_server.url)
            )
            http = await stack.enter_async_context(httpx.AsyncClient(base_url=owner.url))
            attack = make(served, http, redis_server.url)
        else:
            served = await stack.enter_async_context(one_server(place, f"storm-{name}", database))
            http = await stack.enter_async_context(
                httpx.AsyncClient(base_url=served.url, timeout=60)
            )
            if name == "5":
                await store_adversarial_tasks(_asyncpg_dsn(database), "mallory")
            attack = make(served, http)
        bob = await stack.enter_async_context(Bob.listing(served.url))
        return await measure(bob, attack, place.rounds, place.per_window)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


STORMS: dict[str, Callable[..., Attack]] = {
    "none": lambda served, http: no_attack(),
    "1": lambda served, http: feeds_without_end(served),
    "2": viewers_that_never_read,
    "3": trimmed_log_elsewhere,
    "5": lambda served, http: searches_that_never_match(http),
}


def render(figures: list[Figures]) -> str:
    rows = [f.row() for f in figures]
    headers = list(rows[0])
    widths = {h: max(len(h), *(len(str(r[h])) for r in rows)) for h in headers}
    lines = [" | ".join(h.ljust(widths[h]) for h in headers)]
    lines.append("-+-".join("-" * widths[h] for h in headers))
    lines += [" | ".join(str(r[h]).ljust(widths[h]) for h in headers) for r in rows]
    return "\n".join(lines)


async def run(names: Sequence[str], rounds: int, per_window: int) -> list[Figures]:
    raise_open_files_limit()
    tmp = Path(tempfile.mkdtemp(prefix="todo-chat-storms-"))
    embedded = await asyncio.to_thread(EmbeddedPostgres, tmp / "db", delete_on_stop=True)
    try:
        place = Place(embedded.url, tmp, rounds, per_window)
        results = []
        for name in names:
            started = time.monotonic()
            results.append(await storm(place, name, STORMS[name]))
            print(f"storm {name}: {time.monotonic() - started:.0f} s", file=sys.stderr)
        return results
    finally:
        await asyncio.to_thread(embedded.stop)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storms", default="none,1,2,3,5", help="which, comma-separated")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="windows of each side")
    parser.add_argument("--per-window", type=int, default=PER_WINDOW, help="bob's requests")
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args.storms.split(","), args.rounds, args.per_window))
    print("\nAnother user's GET /tasks while one user attacks (alone -> under attack):")
    print(render(figures))


if __name__ == "__main__":
    main()
