"""Runs measured from outside, on a todo-chat with the in-memory broker and one with Redis:
time to first delta and CPU per tool turn (alternated turn by turn, so both see the same
machine), time from an attach to the first replayed event, and from a stop to `done`."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import redis

from tests.bench.load import throughput
from tests.bench.procs import cpu_seconds
from tests.bench.run_viewer import TimedViewer, view
from tests.bench.sse_client import chat_turn
from tests.bench.stats import summary_ms
from tests.bench.todo_chat import Users

SYSTEMS = ("memory", "redis")


@dataclass(frozen=True)
class Server:
    name: str  # "memory" or "redis"
    url: str
    pid: int
    redis_url: str | None = None


class CpuMeter:
    """The server's CPU seconds so far (what `throughput` reads at the start and the end of
    its window) and, read at the same moments, redis-server's own (INFO cpu)."""

    def __init__(self, pid: int, redis_url: str | None) -> None:
        self._pid = pid
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self.readings: list[tuple[float, float, int]] = []

    def __call__(self) -> float:
        server = cpu_seconds(self._pid)
        cpu: dict[str, Any] = self._redis.info("cpu") if self._redis else {}
        stats: dict[str, Any] = self._redis.info("stats") if self._redis else {}
        redis_cpu = float(cpu.get("used_cpu_user", 0)) + float(cpu.get("used_cpu_sys", 0))
        self.readings.append((server, redis_cpu, int(stats.get("total_commands_processed", 0))))
        return server

    def redis_share(self) -> float:
        """redis-server's CPU over the window as a fraction of the server's."""
        (server0, redis0, _), (server1, redis1, _) = self.readings[-2:]
        return (redis1 - redis0) / (server1 - server0) if server1 > server0 else float("nan")

    def commands(self) -> int:
        """Redis commands processed over the window (the two INFO calls included)."""
        (_, _, before), (_, _, after) = self.readings[-2:]
        return after - before


async def first_delta(
    servers: Sequence[Server], users: Users, message: str, n: int, warmup: int
) -> dict[str, dict[str, float]]:
    """Text turns one after another, alternating between the servers turn by turn."""
    firsts: dict[str, list[float]] = {s.name: [] for s in servers}
    clients = {s.name: httpx.AsyncClient(base_url=s.url, timeout=60) for s in servers}
    try:
        for i in range(warmup + n):
            for server in servers:
                user, token = users.user(i % 64)
                turn = await chat_turn(clients[server.name], user, token, message)
                assert turn.ok, (server.name, turn)
                if i >= warmup and turn.first_delta is not None:
                    firsts[server.name].append(turn.first_delta)
    finally:
        for client in clients.values():
            await client.aclose()
    return {name: summary_ms(values) for name, values in firsts.items()}


async def cpu_per_tool_turn(
    servers: Sequence[Server], users: Users, message: str, duration: float, rounds: int = 2
) -> dict[str, dict[str, float]]:
    """CPU ms per tool turn at concurrency 16, the servers taking turns `rounds` times."""
    used: dict[str, list[float]] = {s.name: [] for s in servers}
    redis_ms: dict[str, list[float]] = {s.name: [] for s in servers}
    commands: dict[str, list[float]] = {s.name: [] for s in servers}
    rates: dict[str, list[float]] = {s.name: [] for s in servers}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    for _ in range(rounds):
        for server in servers:
            async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as client:

                async def tool_turn(i: int, client: httpx.AsyncClient = client) -> bool:
                    user, token = users.user(i % 64)
                    return (await chat_turn(client, user, token, message)).ok

                meter = CpuMeter(server.pid, server.redis_url)
                rate, cpu_ms = await throughput(tool_turn, 16, duration, cpu=meter)
            used[server.name].append(cpu_ms)
            redis_ms[server.name].append(cpu_ms * meter.redis_share())
            turns = rate * duration  # the turns counted in the window
            commands[server.name].append(meter.commands() / turns if turns else float("nan"))
            rates[server.name].append(rate)
    return {
        name: {
            "cpu_ms": sum(used[name]) / rounds,
            "redis_cpu_ms": sum(redis_ms[name]) / rounds,
            "redis_commands": sum(commands[name]) / rounds,
            "turns_per_second": sum(rates[name]) / rounds,
        }
        for name in used
    }


@dataclass
class AttachAndStop:
    attach_first_event: list[float]
    stop_to_done: list[float]
    stopped: int = 0


async def attach_then_stop(server: Server, users: Users, message: str, n: int) -> AttachAndStop:
    """n runs one after another: once two deltas arrived, attach with the first event's id
    (time to the first replayed event), leave, then stop the run (time to the viewer's
    `done`). The model must be paced so the answer is still running meanwhile."""
    result = AttachAndStop([], [])
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        for i in range(n):
            user, token = users.user(30_000 + i % 32)
            chat = view(client, "POST", f"/api/{user}/chat", token, json={"message": message})
            await chat.until(lambda v: v.count("delta") >= 2)
            first = chat.events[0].event
            conversation = first.data["conversation_id"]
            path = f"/api/{user}/conversations/{conversation}"
            asked = time.perf_counter()
            attached = view(client, "GET", f"{path}/stream", token,
                            headers={"Last-Event-ID": first.id})  # fmt: skip
            await attached.until(lambda v: v.first() is not None)
            result.attach_first_event.append(_since(attached, asked, None))
            await attached.close()
            asked = time.perf_counter()
            response = await client.post(
                f"{path}/stop", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 202, response.status_code
            await chat.until(lambda v: v.first("done") is not None)
            result.stop_to_done.append(_since(chat, asked, "done"))
            done = chat.first("done")
            result.stopped += bool(done and done.event.data["status"] == "stopped")
            await chat.close()
    return result


def _since(viewer: TimedViewer, asked: float, name: str | None) -> float:
    stamped = viewer.first(name)
    assert stamped is not None, f"no {name or 'event'} (status {viewer.status})"
    return stamped.at - asked
