"""todo-chat directly and through PgBouncer in transaction mode (Neon's pooled host is one),
turn for turn in alternation so that both see the same machine: what the pooler costs in
time to first delta and in tool turns per second."""

from typing import Any

import httpx

from tests.bench.load import throughput
from tests.bench.sse_client import chat_turn
from tests.bench.stats import summary_ms
from tests.bench.todo_chat import Users

SYSTEMS = ("todo_chat", "todo_chat_pgbouncer")
WARMUP = 10
ROUNDS = 3  # throughput windows per system, interleaved
Clients = dict[str, httpx.AsyncClient]


async def compare_pooler(
    urls: tuple[str, str],
    users: Users,
    messages: tuple[str, str],
    *,
    samples: int,
    duration: float,
) -> dict[str, Any]:
    """Per system (`urls`: direct, then through PgBouncer): first-delta and tool-turn
    latencies, and tool turns/s at concurrency 16."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    clients = {
        system: httpx.AsyncClient(base_url=url, limits=limits, timeout=60)
        for system, url in zip(SYSTEMS, urls, strict=True)
    }
    try:
        results = await _latencies(clients, users, messages, samples)
        for system, rate in (await _rates(clients, users, messages[1], duration)).items():
            results[system]["turns_per_second"] = {"16": rate}
        return results
    finally:
        for client in clients.values():
            await client.aclose()


async def _latencies(
    clients: Clients, users: Users, messages: tuple[str, str], samples: int
) -> dict[str, dict[str, Any]]:
    text, tool = messages
    firsts: dict[str, list[float]] = {s: [] for s in SYSTEMS}
    tools: dict[str, list[float]] = {s: [] for s in SYSTEMS}
    for i in range(WARMUP + samples):
        for system in SYSTEMS if i % 2 else SYSTEMS[::-1]:
            said = await chat_turn(clients[system], *users.user(i % 64), text)
            did = await chat_turn(clients[system], *users.user(i % 64), tool)
            assert said.ok, (system, said)
            assert did.ok, (system, did)
            if i >= WARMUP and said.first_delta is not None:
                firsts[system].append(said.first_delta)
                tools[system].append(did.total)
    return {
        s: {"first_delta_ms": summary_ms(firsts[s]), "tool_turn_ms": summary_ms(tools[s])}
        for s in SYSTEMS
    }


async def _rates(clients: Clients, users: Users, tool: str, duration: float) -> dict[str, float]:
    rates = dict.fromkeys(SYSTEMS, 0.0)
    for _ in range(ROUNDS):
        for system in SYSTEMS:

            async def tool_turn(index: int, client: httpx.AsyncClient = clients[system]) -> bool:
                return bool((await chat_turn(client, *users.user(index), tool)).ok)

            rate, _ = await throughput(tool_turn, 16, duration)
            rates[system] += rate / ROUNDS
    return rates
