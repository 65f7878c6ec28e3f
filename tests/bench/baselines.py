"""The baselines, all on the bench's fake model: raw HTTP streaming, the bare `openai` client,
and the bare Agents SDK (`Runner.run_streamed`, one plain `@function_tool`, no server, no
database). They run in the bench process, on the same event loop implementation as the server.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from agents import Agent, Model, RunConfig, Runner, function_tool
from openai import AsyncOpenAI

from agent.context import ChatContext
from agent.factory import build_agent
from agent.instructions import INSTRUCTIONS
from agent.models.provider import build_model, model_settings
from backend.db.engine import create_engine, create_sessionmaker
from mcp_tools.bridge import InProcessMCPServer
from mcp_tools.server import create_todo_server
from tests.bench.load import until
from tests.bench.sse_client import Window
from tests.bench.stats import percentile

MODEL = "gpt-test"
MAX_TURNS = 8


@dataclass(frozen=True)
class Timing:
    first_delta: float | None
    total: float
    tool_outputs: int = 0


# --- raw HTTP -----------------------------------------------------------------------------


def raw_body(message: str) -> bytes:
    body = {
        "model": MODEL,
        "instructions": INSTRUCTIONS,
        "input": [{"role": "user", "content": message}],
        "stream": True,
    }
    return json.dumps(body).encode()


async def raw_turn(client: httpx.AsyncClient, body: bytes) -> Timing:
    """POST /responses and read the stream as bytes; first delta = first chunk carrying one."""
    start = time.perf_counter()
    first: float | None = None
    headers = {"Content-Type": "application/json", "Authorization": "Bearer unused"}
    async with client.stream("POST", "/responses", content=body, headers=headers) as response:
        async for chunk in response.aiter_raw():
            if first is None and b"response.output_text.delta" in chunk:
                first = time.perf_counter() - start
    return Timing(first, time.perf_counter() - start)


# --- the openai client --------------------------------------------------------------------


def openai_client(base_url: str) -> AsyncOpenAI:
    """Configured exactly as todo-chat's `build_model` configures it."""
    return AsyncOpenAI(api_key="unused", base_url=base_url, timeout=60.0, max_retries=0)


async def openai_turn(client: AsyncOpenAI, message: str) -> Timing:
    start = time.perf_counter()
    first: float | None = None
    stream = await client.responses.create(
        model=MODEL,
        instructions=INSTRUCTIONS,
        input=[{"role": "user", "content": message}],
        stream=True,
    )
    async for event in stream:
        if first is None and event.type == "response.output_text.delta":
            first = time.perf_counter() - start
    return Timing(first, time.perf_counter() - start)


# --- the bare Agents SDK ------------------------------------------------------------------


@function_tool
async def add_task(title: str, description: str | None = None) -> dict[str, Any]:
    """Create a new task for the user.

    Args:
        title: Short task title, e.g. 'Buy groceries'.
        description: Optional details.
    """
    return {"task_id": 1, "status": "created", "title": title}


def bare_agent(base_url: str) -> Agent[Any]:
    model: Model = build_model(MODEL, api="responses", api_key="unused", base_url=base_url)
    return Agent(
        name="bare",
        instructions=INSTRUCTIONS,
        model=model,
        model_settings=model_settings("responses"),
        tools=[add_task],
    )


RUN_CONFIG = RunConfig(tracing_disabled=True)


def chat_context(user: str) -> ChatContext:
    return ChatContext(user_id=user, conversation_id=1)


@asynccontextmanager
async def sdk_with_todo_tools(base_url: str, database_url: str) -> AsyncIterator[Agent[Any]]:
    """todo-chat's own agent (its five MCP tools over the in-process bridge, tools on
    PostgreSQL) run by the bare SDK: no HTTP server, no conversation store, no SSE. It splits
    todo-chat's cost into what the tools cost inside the SDK, mcp and openai, and the rest."""
    engine = create_engine(database_url)
    tools = InProcessMCPServer(create_todo_server(create_sessionmaker(engine)))
    await tools.connect()
    try:
        model = build_model(MODEL, api="responses", api_key="unused", base_url=base_url)
        listed = await tools.list_tools()
        yield build_agent(model, tools, model_settings("responses"), listed=listed)
    finally:
        await tools.cleanup()
        await engine.dispose()


async def sdk_turn(agent: Agent[Any], message: str, context: Any = None) -> Timing:
    start = time.perf_counter()
    first: float | None = None
    outputs = 0
    result = Runner.run_streamed(
        agent, message, context=context, max_turns=MAX_TURNS, run_config=RUN_CONFIG
    )
    async for event in result.stream_events():
        if event.type == "raw_response_event":
            if first is None and event.data.type == "response.output_text.delta":
                first = time.perf_counter() - start
        elif event.type == "run_item_stream_event" and event.name == "tool_output":
            outputs += 1
    return Timing(first, time.perf_counter() - start, outputs)


@dataclass
class SdkStream:
    deltas: int = 0
    last: float | None = None


async def sdk_hold(
    agent: Agent[Any], n: int, window_seconds: float, open_rate: float
) -> dict[str, Any]:
    """`n` concurrent slow streams in this process; inter-delta gaps inside the window."""
    window = Window()
    gaps: list[float] = []
    streams = [SdkStream() for _ in range(n)]

    async def run(stream: SdkStream) -> None:
        result = Runner.run_streamed(agent, "hello", max_turns=MAX_TURNS, run_config=RUN_CONFIG)
        async for event in result.stream_events():
            if event.type == "raw_response_event" and event.data.type.endswith("text.delta"):
                now = time.perf_counter()
                if window.open and stream.last is not None:
                    gaps.append(now - stream.last)
                stream.last = now
                stream.deltas += 1

    tasks = []
    for stream in streams:
        tasks.append(asyncio.create_task(run(stream)))
        await asyncio.sleep(1 / open_rate)
    await until(lambda: all(s.deltas for s in streams), max(10.0, n / 70))
    deltas, cpu = sum(s.deltas for s in streams), time.process_time()
    window.open = True
    await asyncio.sleep(window_seconds)
    window.open = False
    delivered = sum(s.deltas for s in streams) - deltas
    cpu_us_per_delta = (time.process_time() - cpu) / max(1, delivered) * 1e6
    streaming = sum(1 for s, t in zip(streams, tasks, strict=True) if s.deltas and not t.done())
    failed = [t.exception() for t in tasks if t.done() and not t.cancelled() and t.exception()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "streams": n,
        "streaming": streaming,
        "gap_p50_ms": percentile(gaps, 50) * 1000,
        "gap_p99_ms": percentile(gaps, 99) * 1000,
        "cpu_us_per_delta": cpu_us_per_delta,
        "failed": len(failed),
        "errors": sorted({type(error).__name__ for error in failed}),
    }
