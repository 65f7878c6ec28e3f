"""`make bench`: todo-chat beside its baselines, on one fake model, in one run.

Processes: the fake OpenAI model (tests/bench/fake_model.py), `todo-chat serve` on an embedded
PostgreSQL, and this one (load generator, the baselines, and the in-process measurements);
for the runs figures, a second `todo-chat serve` on a Redis broker (tests/bench/runs_measure.py).
Prints one table and writes the same figures to bench-results.json.
"""

import argparse
import asyncio
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvloop
from sqlalchemy.engine import make_url

from backend.db.embedded import EmbeddedPostgres
from backend.settings import Settings
from tests.bench import baselines as base
from tests.bench import history, runs_report
from tests.bench.databases import create_databases
from tests.bench.fake_model import TOOL_MARK
from tests.bench.inprocess import Recorder, app_in_process, bridge_overhead, statements_per_turn
from tests.bench.load import sequential, throughput, until
from tests.bench.pooler import compare_pooler
from tests.bench.procs import (
    ROOT,
    cpu_seconds,
    fake_model,
    free_port,
    raise_open_files_limit,
    rss_kib,
    todo_chat_server,
    wait_until_up,
)
from tests.bench.redis_app import bench_redis, used_memory_kib
from tests.bench.report import held, machine, render, rows
from tests.bench.runs_measure import Server, attach_then_stop, cpu_per_tool_turn, first_delta
from tests.bench.server_death import run_lost_after_kill
from tests.bench.sse_client import Window, chat_request, chat_turn, open_probe
from tests.bench.stats import summary_ms
from tests.bench.todo_chat import (
    DatabaseMeter,
    Users,
    active_connections,
    close_all,
    db_activity,
    hold_streams,
)
from tests.pgbouncer import pgbouncer_path, running_pgbouncer

HOST = "127.0.0.1"
TEXT = "Hello, how is my list?"
TOOL = f"Add a task to buy milk {TOOL_MARK}"
# Closed-loop clients for the throughput figures; the SDK running our agent skips 1.
CONCURRENCY = (1, 16, 64)
LOADED = (16, 64)
MAX_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Ramp:
    """Open streams against a paced model, level after level, until one does not hold."""

    key: str
    tokens_per_second: float
    reply_words: int  # long enough to outlast opening the largest level plus the window
    levels: tuple[int, ...]


def _ramps(args: argparse.Namespace) -> list[Ramp]:
    # The slow ramp runs first: its RSS baseline is then the idle server's, before any ramp.
    return [
        Ramp("hold_slow", args.slow_tps, 60, tuple(_levels(args.slow_levels))),
        Ramp("hold", 20.0, 400, tuple(_levels(args.levels))),
    ]


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--samples", type=int, default=150, help="turns per latency figure")
    parser.add_argument("--duration", type=float, default=2.5, help="seconds per throughput run")
    parser.add_argument("--levels", default="250,500,1000,1500", help="streams at 20 tok/s")
    parser.add_argument("--slow-levels", default="1000,1500", help="streams at --slow-tps")
    parser.add_argument("--slow-tps", type=float, default=2.0, help="the slow ramp's tokens/s")
    parser.add_argument("--window", type=float, default=2.0, help="seconds watched per level")
    parser.add_argument("--open-rate", type=float, default=1000.0, help="new streams per s")
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated: baselines,todo-chat,sdk-hold,hold,inprocess,pgbouncer,runs,"
        "runs-hold,server-death,history",
    )
    parser.add_argument("--runs-streams", type=int, default=1000, help="open streams on Redis")
    parser.add_argument("--only-ramp", default="", help="run only this ramp: hold or hold_slow")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results.json")
    return parser.parse_args(argv)


class Bench:
    def __init__(self, args: argparse.Namespace, model_url: str, app_url: str) -> None:
        self.args = args
        self.model_url = model_url
        self.app_url = app_url
        self.secret = secrets.token_urlsafe(48)
        self.users = Users(self.secret)
        self.results: dict[str, Any] = {}

    async def knobs(self, **values: float) -> None:
        async with httpx.AsyncClient() as client:
            response = await client.post(self.model_url.removesuffix("/v1") + "/bench/config",
                                         json=values)  # fmt: skip
            response.raise_for_status()

    async def model_idle(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                stats = (await client.get(f"{self.model_url}/fake/stats")).json()
                if stats["active_streams"] == 0:
                    return
                await asyncio.sleep(0.1)

    # --- baselines ---------------------------------------------------------------------------

    async def baselines(self, database_url: str) -> None:
        n, warmup = self.args.samples, 20
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=self.model_url, limits=limits) as raw:
            body = base.raw_body(TEXT)
            timings = await sequential(lambda _: base.raw_turn(raw, body), n, warmup)
        self.results["raw_http"] = _latency(timings)
        client = base.openai_client(self.model_url)
        timings = await sequential(lambda _: base.openai_turn(client, TEXT), n, warmup)
        self.results["openai_client"] = _latency(timings)
        await client.close()

        agent = base.bare_agent(self.model_url)
        text = await sequential(lambda _: base.sdk_turn(agent, TEXT), n, warmup)
        tool = await sequential(lambda _: base.sdk_turn(agent, TOOL), n // 2, 10)
        assert all(t.tool_outputs == 1 for t in tool), "the bare SDK did not call its tool"

        async with base.sdk_with_todo_tools(self.model_url, database_url) as todo_agent:
            todo_text = await sequential(lambda _: base.sdk_turn(todo_agent, TEXT), n, warmup)

            async def todo_tool_turn(i: int) -> base.Timing:
                return await base.sdk_turn(todo_agent, TOOL, base.chat_context(f"sdk-{i % 64}"))

            todo_tool = await sequential(todo_tool_turn, n // 2, 10)
            assert all(t.tool_outputs == 1 for t in todo_tool), "no tool call with our tools"

            async def todo_tool_ok(i: int) -> bool:
                return (await todo_tool_turn(i)).tool_outputs == 1

            loaded = await self._throughput(todo_tool_ok, time.process_time, LOADED)
        self.results["sdk_todo_tools"] = {
            **_latency(todo_text),
            "tool_turn_ms": summary_ms([t.total for t in todo_tool]),
            **loaded,
        }

        async def sdk_tool_turn(_: int) -> bool:
            return (await base.sdk_turn(agent, TOOL)).tool_outputs == 1

        self.results["bare_sdk"] = {
            **_latency(text),
            "tool_turn_ms": summary_ms([t.total for t in tool]),
            **await self._throughput(sdk_tool_turn, time.process_time),
        }

    async def _throughput(
        self,
        turn: Any,
        cpu: Any,
        levels: Sequence[int] = CONCURRENCY,
        database: DatabaseMeter | None = None,
    ) -> dict[str, Any]:
        """At each concurrency: turns/s, the closed loop's turn latency, and CPU ms per turn
        (`cpu`: seconds the system under test used so far); CPU at 16 also as the headline.
        With `database`: PostgreSQL's CPU and the connections opened, per turn."""
        figures = ("turns_per_second", "loaded_tool_turn_ms", "cpu_ms_per_tool_turn_at",
                   "database_per_tool_turn")  # fmt: skip
        results: dict[str, Any] = {figure: {} for figure in figures}
        calls = [0]

        async def counted(index: int) -> bool:
            calls[0] += 1
            return bool(await turn(index))

        rate = 0.0
        for c in levels:
            latencies: list[float] = []
            before = (await database.read(), calls[0]) if database else None
            rate, cpu_ms = await throughput(
                counted, c, _window(self.args.duration, c, rate), cpu=cpu, latencies=latencies
            )
            level = str(c)
            results["turns_per_second"][level] = rate
            results["cpu_ms_per_tool_turn_at"][level] = cpu_ms
            results["loaded_tool_turn_ms"][level] = summary_ms(latencies)
            if database and before:
                (pg_cpu, sessions), turns = await database.read(), calls[0] - before[1]
                results["database_per_tool_turn"][level] = {
                    "postgres_cpu_ms": (pg_cpu - before[0][0]) * 1000 / turns,
                    "connections_opened": (sessions - before[0][1]) / turns,
                }
        results["cpu_ms_per_tool_turn"] = results["cpu_ms_per_tool_turn_at"].get("16")
        return results

    async def sdk_hold(self) -> None:
        agent = base.bare_agent(self.model_url)
        for index, ramp in enumerate(self.ramps()):
            await self.knobs(tokens_per_second=ramp.tokens_per_second, reply_words=ramp.reply_words)
            before, levels = rss_kib(os.getpid()), []
            for n in ramp.levels:
                started = time.perf_counter()
                level = await base.sdk_hold(agent, n, self.args.window, self.args.open_rate)
                # Only the first ramp starts from an idle heap (freed memory stays resident).
                rss = (rss_kib(os.getpid()) - before) / n if index == 0 else None
                level["rss_kib_per_stream"] = rss
                level["nominal_ms"] = 1000 / ramp.tokens_per_second
                levels.append(level)
                await self.model_idle()
                level["level_seconds"] = time.perf_counter() - started
                if not held(level):
                    break
            self.results["bare_sdk"][ramp.key] = levels
        await self.knobs(tokens_per_second=0, reply_words=20)

    def ramps(self) -> list[Ramp]:
        only = self.args.only_ramp
        return [ramp for ramp in _ramps(self.args) if not only or ramp.key == only]

    # --- todo-chat over HTTP -----------------------------------------------------------------

    async def todo_chat(self, app_pid: int, database: DatabaseMeter) -> None:
        n, warmup = self.args.samples, 20
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=self.app_url, limits=limits, timeout=60) as client:

            async def turn(i: int, message: str) -> Any:
                user, token = self.users.user(i % 64)
                return await chat_turn(client, user, token, message)

            text = await sequential(lambda i: turn(i, TEXT), n, warmup)
            tool = await sequential(lambda i: turn(i, TOOL), n // 2, 10)
            failed = [t for t in (*text, *tool) if not t.ok]
            assert not failed, failed[:3]
            assert all(len(t.done["tool_calls"]) == 1 for t in tool if t.done)

            async def tool_turn(i: int) -> bool:
                result = await turn(i, TOOL)
                return bool(result.ok)

            self.results["todo_chat"] = {
                **_latency(text),
                "tool_turn_ms": summary_ms([t.total for t in tool]),
                **await self._throughput(
                    tool_turn, lambda: cpu_seconds(app_pid), database=database
                ),
            }

    async def hold(self, app_pid: int, admin: asyncpg.Connection, database: str) -> None:
        port = int(self.app_url.rsplit(":", 1)[1])
        for index, ramp in enumerate(self.ramps()):
            await self.knobs(tokens_per_second=ramp.tokens_per_second, reply_words=ramp.reply_words)
            before, levels = rss_kib(app_pid), []
            for n in ramp.levels:
                started = time.perf_counter()
                level = await hold_streams(
                    host=HOST, port=port, users=self.users, n=n, pid=app_pid,
                    baseline_rss=before, admin=admin, database=database,
                    window_seconds=self.args.window, open_rate=self.args.open_rate,
                )  # fmt: skip
                result = {**vars(level), "nominal_ms": 1000 / ramp.tokens_per_second}
                if index:  # only the first ramp starts from an idle heap
                    result["rss_kib_per_stream"] = None
                levels.append(result)
                await self.model_idle()
                await _settled(admin, database)
                result["level_seconds"] = time.perf_counter() - started
                if not held(result):
                    break
            self.results["todo_chat"][ramp.key] = levels
        await self.knobs(tokens_per_second=0, reply_words=20)

    # --- runs: the in-memory broker beside Redis ---------------------------------------------

    async def runs(self, memory: Server, redis: Server) -> None:
        """Both servers alike but for REDIS_URL; see tests/bench/runs_measure.py."""
        n, servers, results = (
            self.args.samples,
            (memory, redis),
            self.results.setdefault("runs", {}),
        )
        results["first_delta_ms"] = await first_delta(servers, self.users, TEXT, n, 20)
        results["tool_turns"] = await cpu_per_tool_turn(
            servers, self.users, TOOL, self.args.duration
        )
        await self.knobs(tokens_per_second=20, reply_words=400)
        attach, stop = {}, {}
        for server in servers:
            measured = await attach_then_stop(server, self.users, TEXT, n // 2)
            assert measured.stopped == n // 2, f"{server.name}: only {measured.stopped} stopped"
            attach[server.name] = summary_ms(measured.attach_first_event)
            stop[server.name] = summary_ms(measured.stop_to_done)
        results["attach_first_event_ms"], results["stop_to_done_ms"] = attach, stop
        await self.model_idle()
        await self.knobs(tokens_per_second=0, reply_words=20)

    async def runs_hold(self, redis: Server, admin: asyncpg.Connection) -> None:
        """Open streams on the Redis server at the slow ramp's pace, as `hold_slow` does on
        the in-memory one (whose level of the same size is shown beside it)."""
        assert redis.redis_url is not None
        n, tps = self.args.runs_streams, self.args.slow_tps
        await self.knobs(tokens_per_second=tps, reply_words=60)
        before, redis_before = rss_kib(redis.pid), used_memory_kib(redis.redis_url)
        port = int(redis.url.rsplit(":", 1)[1])
        level = await hold_streams(
            host=HOST, port=port, users=self.users, n=n, pid=redis.pid, baseline_rss=before,
            admin=admin, database="bench_redis", window_seconds=self.args.window,
            open_rate=self.args.open_rate,
        )  # fmt: skip
        redis_kib = (used_memory_kib(redis.redis_url) - redis_before) / n
        await self.model_idle()
        await self.knobs(tokens_per_second=0, reply_words=20)
        hold = {"redis": {**vars(level), "nominal_ms": 1000 / tps}}
        slow = self.results.get("todo_chat", {}).get("hold_slow", [])
        memory = next((lv for lv in slow if lv["streams"] == n), None)
        if memory is not None:
            hold["memory"] = memory
        runs = self.results.setdefault("runs", {})
        runs["hold"], runs["redis_used_kib_per_run"] = hold, redis_kib

    async def server_death(self, survivor: Server, env: dict[str, str], tmp: Path) -> None:
        """A third todo-chat beside the Redis one, killed mid-answer (server_death.py)."""
        await self.knobs(tokens_per_second=20, reply_words=400)
        port, log = free_port(), tmp / "app-victim.log"
        with todo_chat_server(port, env, log) as pid:
            url = f"http://{HOST}:{port}"
            await wait_until_up(f"{url}/healthz", pid, log)
            lost = await run_lost_after_kill(url, pid, survivor.url, self.users, TEXT)
        await self.model_idle()
        await self.knobs(tokens_per_second=0, reply_words=20)
        self.results.setdefault("runs", {})["run_lost_after_kill_s"] = round(lost, 2)

    # --- in process --------------------------------------------------------------------------

    async def inprocess(self, database_url: str, admin: asyncpg.Connection) -> None:
        port = free_port()
        settings = Settings(
            _env_file=None,
            database_url=database_url,
            data_dir=Path(tempfile.mkdtemp(prefix="todo-chat-bench-app-")),
            auth_secret=self.secret,
            openai_api_key="unused",
            openai_base_url=self.model_url,
            chat_model=base.MODEL,
            chat_title_model="none",  # the bench measures the chat's own requests
            chat_requests_per_minute=10_000,
            rest_requests_per_minute=100_000,
            streams_per_user=10_000,
            chat_max_streams_per_user=1000,
            log_level="WARNING",
        )
        recorder = Recorder()
        async with (
            app_in_process(settings, recorder, port) as services,
            httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=60) as client,
        ):
            statements = await statements_per_turn(client, self.users, recorder, turns=20)
            pool = await self._pool_while_streaming(services, port, admin, database_url)
            bridge = await bridge_overhead(services.sessionmaker, n_db=300, n_plain=2000)
        self.results["database"] = {"statements_per_turn": statements, **pool}
        self.results["mcp_bridge"] = bridge

    async def _pool_while_streaming(
        self, services: Any, port: int, admin: asyncpg.Connection, database_url: str
    ) -> dict[str, Any]:
        await self.knobs(tokens_per_second=20, reply_words=400)
        database = str(make_url(database_url).database)
        n, probes, window = 100, [], Window()
        for i in range(n):
            user, token = self.users.user(20_000 + i)
            request = chat_request(HOST, port, user, token, TEXT)
            probes.append(await open_probe(HOST, port, request, window))
        await until(lambda: all(p.deltas for p in probes), 20)
        checked_out, connections = 0, 0
        for _ in range(8):
            checked_out = max(checked_out, services.engine.pool.checkedout())
            connections = max(connections, active_connections(await db_activity(admin, database)))
            await asyncio.sleep(0.1)
        streaming = sum(1 for p in probes if p.deltas and not p.ended)
        await close_all(probes)
        await self.model_idle()
        await self.knobs(tokens_per_second=0, reply_words=20)
        return {
            "in_process_streams": streaming,
            "pool_checked_out_while_streaming": checked_out,
            "connections_held_while_streaming_in_process": connections,
        }


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _latency(timings: Sequence[Any]) -> dict[str, Any]:
    firsts = [t.first_delta for t in timings if t.first_delta is not None]
    return {
        "first_delta_ms": summary_ms(firsts),
        "text_turn_ms": summary_ms([t.total for t in timings]),
    }


def _window(duration: float, clients: int, last_rate: float) -> float:
    """Seconds to count turns for: `duration`, or long enough for each client to finish about
    two turns at the rate the previous level reached (on a loaded machine a turn at 64
    clients can outlast `duration`, and a window no turn ends in would read 0 turns/s)."""
    if last_rate <= 0:
        return duration
    return min(MAX_WINDOW_SECONDS, max(duration, 2 * clients / last_rate))


def _levels(text: str) -> list[int]:
    return [int(level) for level in text.split(",") if level]


async def _settled(admin: asyncpg.Connection, database: str) -> None:
    for _ in range(100):
        if active_connections(await db_activity(admin, database)) == 0:
            return
        await asyncio.sleep(0.1)


async def _through_pgbouncer(
    bench: Bench, server_url: str, databases: tuple[str, str], env: dict[str, str], tmp: Path
) -> None:
    """Two more todo-chat servers started alike, one on a database behind PgBouncer, compared
    turn for turn (tests/bench/pooler.py)."""
    direct_db, pooled_db = databases
    with running_pgbouncer(server_url, tmp / "pgbouncer") as pooler:
        pooled = {"DATABASE_URL": pooler.url_for(pooled_db), "DATABASE_POOLER": "transaction"}
        ports = free_port(), free_port()
        logs = tmp / "app-direct.log", tmp / "app-pgbouncer.log"
        with (
            todo_chat_server(ports[0], {**env, "DATABASE_URL": direct_db}, logs[0]) as direct,
            todo_chat_server(ports[1], {**env, **pooled}, logs[1]) as through,
        ):
            urls = (f"http://{HOST}:{ports[0]}", f"http://{HOST}:{ports[1]}")
            for url, pid, log in zip(urls, (direct, through), logs, strict=True):
                await wait_until_up(f"{url}/healthz", pid, log)
            bench.results["pooler"] = await compare_pooler(
                urls, bench.users, (TEXT, TOOL),
                samples=bench.args.samples // 2, duration=bench.args.duration,
            )  # fmt: skip


async def _beside_redis(
    bench: Bench, memory: Server, env: dict[str, str], tmp: Path, admin: asyncpg.Connection
) -> None:
    """A second todo-chat like the first but on a Redis broker (its own database)."""
    skip = set(bench.args.skip.split(","))
    async with bench_redis(tmp / "redis") as redis_env:
        port, log = free_port(), tmp / "app-redis.log"
        with todo_chat_server(port, {**env, **redis_env}, log) as pid:
            url = f"http://{HOST}:{port}"
            await wait_until_up(f"{url}/healthz", pid, log)
            redis = Server("redis", url, pid, redis_env["REDIS_URL"])
            if "runs" not in skip:
                progress("runs: in memory beside Redis")
                await bench.runs(memory, redis)
            if "runs-hold" not in skip:
                progress(f"runs: {bench.args.runs_streams} open streams on Redis")
                await bench.runs_hold(redis, admin)
            if "server-death" not in skip:
                progress("runs: a server killed mid-answer, its run lost for viewers elsewhere")
                await bench.server_death(redis, {**env, **redis_env}, tmp)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    load_before = list(os.getloadavg())
    skip = set(args.skip.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="todo-chat-bench-"))
    embedded = await asyncio.to_thread(EmbeddedPostgres, tmp / "db", delete_on_stop=True)
    try:
        names = ["bench_http", "bench_inproc", "bench_redis", "bench_direct", "bench_pgbouncer"]
        http_url, inproc_url, redis_url, *compared = await create_databases(embedded.url, names)
        admin_dsn = make_url(embedded.url).set(drivername="postgresql")
        admin = await asyncpg.connect(admin_dsn.render_as_string(hide_password=False))
        model_port, app_port = free_port(), free_port()
        model_url = f"http://{HOST}:{model_port}/v1"
        app_url = f"http://{HOST}:{app_port}"
        bench = Bench(args, model_url, app_url)
        env = {
            "DATABASE_URL": http_url,
            "TODO_CHAT_DATA_DIR": str(tmp / "app"),
            "AUTH_SECRET": bench.secret,
            "OPENAI_API_KEY": "unused",
            "OPENAI_BASE_URL": model_url,
            "CHAT_MODEL": base.MODEL,
            "CHAT_MODEL_API": "responses",
            "CHAT_TITLE_MODEL": "none",
            "CHAT_MAX_STREAMS_PER_USER": "1000",
            "CHAT_REQUESTS_PER_MINUTE": "10000",
            "REST_REQUESTS_PER_MINUTE": "100000",
            "STREAMS_PER_USER": "10000",
        }
        with (
            fake_model(model_port, tmp / "model.log") as model_pid,
            todo_chat_server(app_port, env, tmp / "app.log") as app_pid,
        ):
            await wait_until_up(f"{model_url}/fake/stats", model_pid, tmp / "model.log")
            await wait_until_up(f"{app_url}/healthz", app_pid, tmp / "app.log")
            if "baselines" not in skip:
                progress("baselines")
                await bench.baselines(inproc_url)
            if "todo-chat" not in skip:
                progress("todo_chat")
                meter = DatabaseMeter(tmp / "db" / "pgdata", admin, "bench_http")
                await bench.todo_chat(app_pid, meter)
            if "pgbouncer" not in skip and pgbouncer_path():
                progress("todo_chat directly and through PgBouncer")
                await _through_pgbouncer(bench, embedded.url, (compared[0], compared[1]), env, tmp)
            if "sdk-hold" not in skip and "bare_sdk" in bench.results:
                progress("sdk_hold")
                await bench.sdk_hold()
            if "hold" not in skip and "todo_chat" in bench.results:
                progress("hold")
                await bench.hold(app_pid, admin, "bench_http")
            bench.results.setdefault("todo_chat", {})["idle_rss_kib"] = rss_kib(app_pid)
            if not {"runs", "runs-hold", "server-death"} <= skip:
                memory = Server("memory", app_url, app_pid)
                await _beside_redis(bench, memory, {**env, "DATABASE_URL": redis_url}, tmp, admin)
            if "inprocess" not in skip:
                progress("inprocess")
                await bench.inprocess(inproc_url, admin)
        await admin.close()
    finally:
        await asyncio.to_thread(embedded.stop)
    if "history" not in skip:
        progress("history")
        bench.results["history"] = await asyncio.to_thread(history.measure)
    bench.results["machine"] = {
        **machine(),
        "open_files_limit": raise_open_files_limit(),
        "python": platform.python_version(),
        "seconds": round(time.perf_counter() - started, 1),
        "load_before": load_before,
    }
    return bench.results


def main(argv: Sequence[str] | None = None) -> None:
    args = _args(argv)
    raise_open_files_limit()
    results = uvloop.run(run(args))
    table = rows(results)
    print(render(table, results["machine"]))
    if "runs" in results:
        print("\nRuns and Redis (the same todo-chat with the in-memory broker and with Redis)\n")
        print(runs_report.render(runs_report.rows(results["runs"])))
    if "history" in results:
        print("\nHistory of a 200-turn conversation, 20 tasks listed per turn (issue 22)\n")
        print(history.render(results["history"]))
    args.out.write_text(json.dumps({"rows": table, "raw": results}, indent=2, default=str))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
