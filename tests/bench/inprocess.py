"""What needs the app's insides: the app in this process (uvicorn on this event loop), with
SQLAlchemy listeners counting database statements per phase of a turn, the pool's checked-out
connections while streams are mid-answer, and the in-process MCP bridge's per-call cost."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from mcp.server.mcpserver import MCPServer
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db.engine import SessionMaker
from backend.main import create_app
from backend.services import Services
from backend.settings import Settings
from backend.tasks.store import TaskStore
from mcp_tools.bridge import InProcessMCPServer
from mcp_tools.identity import USER_META_KEY
from mcp_tools.server import create_todo_server
from tests.bench.fake_model import TOOL_MARK
from tests.bench.sse_client import chat_turn
from tests.bench.todo_chat import Users

TX_KINDS = ("BEGIN", "COMMIT", "ROLLBACK", "PING")


@dataclass
class Recorder:
    """Database statements and model requests, in the order they happened."""

    events: list[str] = field(default_factory=list)

    def attach(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine

        def statement(*_: Any) -> None:
            self.events.append("SQL")

        event.listen(sync, "before_cursor_execute", statement)
        for kind in ("begin", "commit", "rollback"):
            event.listen(sync, kind, self._marker(kind.upper()))
        dialect: Any = sync.dialect
        ping = dialect.do_ping

        def counted_ping(connection: Any) -> bool:
            self.events.append("PING")
            return bool(ping(connection))

        dialect.do_ping = counted_ping

    def _marker(self, kind: str) -> Callable[..., None]:
        def mark(*_: Any) -> None:
            self.events.append(kind)

        return mark

    async def on_model_request(self, request: httpx.Request) -> None:
        self.events.append("MODEL")


def phases(events: list[str]) -> dict[str, dict[str, int]]:
    """Split one turn's events at its model requests: before the first model call, between
    calls (the tool calls), and after the last one."""
    calls = [i for i, kind in enumerate(events) if kind == "MODEL"]
    spans = {
        "before_model": events[: calls[0]] if calls else events,
        "between_model_calls": events[calls[0] + 1 : calls[-1]] if calls else [],
        "after_model": events[calls[-1] + 1 :] if calls else [],
    }
    return {
        name: {kind: span.count(kind) for kind in ("SQL", *TX_KINDS)}
        for name, span in spans.items()
    }


@asynccontextmanager
async def app_in_process(
    settings: Settings, recorder: Recorder, port: int
) -> AsyncIterator[Services]:
    http = httpx.AsyncClient(
        event_hooks={"request": [recorder.on_model_request]},
        timeout=60.0,
        limits=httpx.Limits(max_connections=2000, max_keepalive_connections=200),
    )
    app = create_app(settings, openai_http_client=http)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise RuntimeError("the in-process app did not start")
        await asyncio.sleep(0.05)
    services: Services = app.state.services
    recorder.attach(services.engine)
    try:
        yield services
    finally:
        server.should_exit = True
        await task
        await http.aclose()


async def statements_per_turn(
    client: httpx.AsyncClient, users: Users, recorder: Recorder, turns: int
) -> dict[str, Any]:
    """Average statements per phase, for a text-only turn and for a turn with one tool call."""
    result: dict[str, Any] = {}
    kinds = (("text", "Hello there"), ("tool", f"Add buy milk {TOOL_MARK}"),
             ("followup", "And then?"))  # fmt: skip
    for kind, message in kinds:
        totals: dict[str, dict[str, int]] = {}
        for i in range(turns):
            user, token = users.user(10_000 + i)
            conversation = None
            if kind == "followup":  # a second message in an existing conversation
                first = await chat_turn(client, user, token, "Hello")
                conversation = first.done["conversation_id"] if first.done else None
            recorder.events.clear()
            outcome = await chat_turn(client, user, token, message, conversation)
            assert outcome.ok, outcome
            for phase, counts in phases(recorder.events).items():
                into = totals.setdefault(phase, dict.fromkeys(counts, 0))
                for name, count in counts.items():
                    into[name] += count
        result[kind] = {
            phase: {name: count / turns for name, count in counts.items()}
            for phase, counts in totals.items()
        }
    return result


# --- the in-process MCP bridge ---------------------------------------------------------------


def trivial_server() -> tuple[MCPServer, Callable[..., Any]]:
    server = MCPServer("trivial", log_level="WARNING")

    async def echo(title: str) -> dict[str, Any]:
        return {"task_id": 1, "status": "created", "title": title}

    server.tool(description="Echo.")(echo)
    return server, echo


async def _per_call_us(call: Callable[[], Any], n: int) -> float:
    for _ in range(max(10, n // 10)):
        await call()
    start = time.perf_counter()
    for _ in range(n):
        await call()
    return (time.perf_counter() - start) / n * 1e6


async def bridge_overhead(sessionmaker: SessionMaker, n_db: int, n_plain: int) -> dict[str, float]:
    """µs per call: through InProcessMCPServer.call_tool vs the same work called directly."""
    meta = {USER_META_KEY: "bench-bridge"}
    arguments = {"title": "Buy milk"}
    todo = InProcessMCPServer(create_todo_server(sessionmaker))
    trivial, echo = trivial_server()
    plain = InProcessMCPServer(trivial)
    await todo.connect()
    await plain.connect()
    try:

        async def via_bridge() -> None:
            result = await todo.call_tool("add_task", arguments, meta)
            assert not result.is_error, result

        async def direct() -> None:
            async with sessionmaker.begin() as session:
                await TaskStore(session, "bench-bridge").create("Buy milk")

        async def plain_bridge() -> None:
            result = await plain.call_tool("echo", arguments, meta)
            assert not result.is_error, result

        async def plain_direct() -> None:
            await echo(**arguments)

        results = {
            "db_bridge_us": await _per_call_us(via_bridge, n_db),
            "db_direct_us": await _per_call_us(direct, n_db),
            "plain_bridge_us": await _per_call_us(plain_bridge, n_plain),
            "plain_direct_us": await _per_call_us(plain_direct, n_plain),
        }
    finally:
        await plain.cleanup()
        await todo.cleanup()
    results["db_overhead_us"] = results["db_bridge_us"] - results["db_direct_us"]
    results["plain_overhead_us"] = results["plain_bridge_us"] - results["plain_direct_us"]
    return results
