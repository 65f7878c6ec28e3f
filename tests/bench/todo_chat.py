"""todo-chat under load: a `todo-chat serve` process driven over HTTP, watched from outside
(its RSS, and PostgreSQL's own view of its connections and transactions)."""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import asyncpg

from backend.auth.tokens import issue_token
from tests.bench.load import until
from tests.bench.procs import cpu_seconds, postgres_cpu_seconds, rss_kib
from tests.bench.sse_client import StreamProbe, Window, chat_request, open_probe
from tests.bench.stats import percentile

APP_NAME = "todo-chat"


@dataclass
class Users:
    """Bench users and their tokens (one user per concurrent client: no per-user limit hit)."""

    secret: str
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, index: int) -> tuple[str, str]:
        name = f"bench-{index}"
        if name not in self.tokens:
            self.tokens[name] = issue_token(self.secret, name, timedelta(hours=2))
        return name, self.tokens[name]


async def db_activity(admin: asyncpg.Connection, database: str) -> dict[str, int]:
    """The server's connections to `database` by state (pg_stat_activity)."""
    rows = await admin.fetch(
        "SELECT coalesce(state, '?') AS state, count(*) AS n FROM pg_stat_activity"
        " WHERE datname = $1 AND application_name = $2 GROUP BY 1",
        database,
        APP_NAME,
    )
    return {row["state"]: row["n"] for row in rows}


async def db_transactions(admin: asyncpg.Connection, database: str) -> int:
    """Committed + rolled back transactions of `database` so far (pg_stat_database)."""
    await admin.execute("SELECT pg_stat_clear_snapshot()")
    value = await admin.fetchval(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", database
    )
    return int(value)


async def db_sessions(admin: asyncpg.Connection, database: str) -> int:
    """Connections ever opened to `database` (pg_stat_database.sessions)."""
    await admin.execute("SELECT pg_stat_clear_snapshot()")
    value = await admin.fetchval(
        "SELECT sessions FROM pg_stat_database WHERE datname = $1", database
    )
    return int(value)


@dataclass(frozen=True)
class DatabaseMeter:
    """What the database server spends on todo-chat: its CPU (it shares the machine's cores
    with the server) and the connections the server opens to `database`."""

    pgdata: Path
    admin: asyncpg.Connection
    database: str

    async def read(self) -> tuple[float, int]:
        return postgres_cpu_seconds(self.pgdata), await db_sessions(self.admin, self.database)


def active_connections(activity: dict[str, int]) -> int:
    """Connections doing something: running a statement or inside a transaction."""
    return sum(n for state, n in activity.items() if state != "idle")


@dataclass
class Level:
    streams: int
    streaming: int = 0
    failed: int = 0
    gap_p50_ms: float = float("nan")
    gap_p99_ms: float = float("nan")
    rss_kib_per_stream: float = float("nan")
    connections_held_max: int = 0
    connections_idle: int = 0
    transactions_in_window: int = 0
    open_seconds: float = 0.0
    cpu_us_per_delta: float = float("nan")


async def hold_streams(
    *,
    host: str,
    port: int,
    users: Users,
    n: int,
    pid: int,
    baseline_rss: int,
    admin: asyncpg.Connection,
    database: str,
    window_seconds: float,
    open_rate: float,
) -> Level:
    """Open `n` slow streams, wait until every one is mid-answer, then watch a window:
    inter-delta gaps at the clients, the server's RSS, its database connections."""
    window = Window()
    level = Level(n)
    probes: list[StreamProbe] = []
    started = time.perf_counter()
    for i in range(n):
        user, token = users.user(i)
        request = chat_request(host, port, user, token, "Tell me something long.")
        probes.append(await open_probe(host, port, request, window))
        await asyncio.sleep(1 / open_rate)
    await until(lambda: all(p.deltas or p.ended for p in probes), max(10.0, n / 70))
    level.open_seconds = time.perf_counter() - started
    rss = rss_kib(pid)
    transactions = await db_transactions(admin, database)
    deltas, cpu = sum(p.deltas for p in probes), cpu_seconds(pid)
    window.open = True
    stop = time.perf_counter() + window_seconds
    while time.perf_counter() < stop:
        activity = await db_activity(admin, database)
        level.connections_held_max = max(level.connections_held_max, active_connections(activity))
        level.connections_idle = activity.get("idle", 0)
        await asyncio.sleep(0.25)
    window.open = False
    delivered = sum(p.deltas for p in probes) - deltas
    level.cpu_us_per_delta = (cpu_seconds(pid) - cpu) / max(1, delivered) * 1e6
    level.transactions_in_window = await db_transactions(admin, database) - transactions
    level.streaming = sum(1 for p in probes if p.deltas and not p.ended)
    level.failed = sum(1 for p in probes if p.failed or p.status not in (None, 200))
    gaps = [gap for p in probes for gap in p.gaps]
    level.gap_p50_ms = percentile(gaps, 50) * 1000
    level.gap_p99_ms = percentile(gaps, 99) * 1000
    level.rss_kib_per_stream = (rss - baseline_rss) / n
    await close_all(probes)
    return level


async def close_all(probes: list[StreamProbe]) -> None:
    for probe in probes:
        probe.close()
    async with asyncio.timeout(30):
        await asyncio.gather(*(p.closed for p in probes))
