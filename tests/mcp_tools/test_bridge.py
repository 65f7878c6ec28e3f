"""The Agents SDK side of the in-process MCP connection (`InProcessMCPServer`)."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from agents import ModelSettings, RunConfig, Runner, ToolCallOutputItem
from agents.testing import ScriptedModel, assistant_message, function_call
from mcp.types import CallToolResult
from sqlalchemy.ext.asyncio import AsyncEngine

from agent.context import ChatContext
from agent.factory import build_agent
from backend.db.engine import create_sessionmaker
from backend.limits.tool_budget import ToolBudget
from mcp_tools.bridge import LIMIT_META_KEY, InProcessMCPServer
from mcp_tools.identity import meta_for_user
from mcp_tools.server import create_todo_server
from tests.mcp_tools.test_tasks import FRAMEWORK_NOISE, text_of
from tests.rows import all_task_rows


@asynccontextmanager
async def bridge(engine: AsyncEngine) -> AsyncIterator[InProcessMCPServer]:
    server = InProcessMCPServer(create_todo_server(create_sessionmaker(engine)))
    await server.connect()
    try:
        yield server
    finally:
        await server.cleanup()


@pytest.fixture
def engine(database: str, db_engine: AsyncEngine) -> AsyncEngine:
    return db_engine


async def test_lists_the_todo_tools_once_connected(engine: AsyncEngine) -> None:
    server = InProcessMCPServer(create_todo_server(create_sessionmaker(engine)))
    assert server.name == "todo"
    with pytest.raises(RuntimeError, match="not connected"):
        await server.list_tools()
    await server.connect()
    try:
        tools = await server.list_tools()
        assert server.cached_tools == tools
        assert (await server.list_prompts()).prompts == []
    finally:
        await server.cleanup()
    assert sorted(tool.name for tool in tools) == [
        "add_task",
        "complete_task",
        "delete_task",
        "list_tasks",
        "undo_last_change",
        "update_task",
    ]
    with pytest.raises(RuntimeError, match="not connected"):
        await server.call_tool("list_tasks", {}, meta_for_user("alice"))


async def test_calls_a_tool_as_the_user_in_meta(engine: AsyncEngine) -> None:
    async with bridge(engine) as server:
        added = await server.call_tool("add_task", {"title": "Buy milk"}, meta_for_user("bob"))
        listed = await server.call_tool("list_tasks", None, meta_for_user("bob"))
        alices = await server.call_tool("list_tasks", {}, meta_for_user("alice"))
    assert not added.is_error
    assert added.structured_content == {"task_id": 1, "status": "created", "title": "Buy milk"}
    assert listed.structured_content is not None
    assert listed.structured_content["count"] == 1
    assert alices.structured_content == {"tasks": [], "count": 0}
    assert await all_task_rows(engine) == [("bob", 1, "Buy milk", None, False)]


def assert_readable(result: CallToolResult) -> str:
    assert result.is_error
    message = text_of(result)
    for noise in (*FRAMEWORK_NOISE, "Error executing tool"):
        assert noise not in message, message
    return message


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("complete_task", {"task_id": 9}, "Task 9 was not found."),
        ("list_tasks", {"status": "bogus"}, "Invalid arguments: status: "),
        ("add_task", {"title": " "}, "Invalid arguments: title: "),
        ("delete_task", {"task_id": -1}, "Invalid arguments: task_id: "),
    ],
)
async def test_tool_errors_reach_the_model_readable(
    engine: AsyncEngine, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    async with bridge(engine) as server:
        message = assert_readable(await server.call_tool(tool, arguments, meta_for_user("alice")))
    assert message.startswith(expected)


async def test_a_call_without_a_user_is_refused(engine: AsyncEngine) -> None:
    async with bridge(engine) as server:
        message = assert_readable(await server.call_tool("add_task", {"title": "x"}, None))
    assert message == "This tool can only be used in an authenticated chat."
    assert await all_task_rows(engine) == []


async def test_a_call_over_the_turn_limit_is_refused_without_running(
    engine: AsyncEngine,
) -> None:
    async with bridge(engine) as server:
        await server.call_tool("add_task", {"title": "Buy milk"}, meta_for_user("alice"))
        meta = {**meta_for_user("alice"), LIMIT_META_KEY: "destructive_tool_calls_per_turn"}
        refused = await server.call_tool("delete_task", {"task_id": 1}, meta)
    message = assert_readable(refused)
    assert message == "Refused: this turn reached its limit (destructive_tool_calls_per_turn)."
    assert await all_task_rows(engine) == [("alice", 1, "Buy milk", None, False)]


def outputs(items: list[Any]) -> list[str]:
    """What the model was given for each tool call (an error comes as a text part)."""
    found = [item.output for item in items if isinstance(item, ToolCallOutputItem)]
    return [o["text"] if isinstance(o, dict) else str(o) for o in found]


async def test_the_turn_budget_refuses_calls_past_the_limit(engine: AsyncEngine) -> None:
    """Through the Agents SDK: the bridge charges each call to the run context's budget."""
    model = ScriptedModel(
        [
            [function_call("add_task", {"title": "One"}, call_id="c1")],
            [function_call("add_task", {"title": "Two"}, call_id="c2")],
            [function_call("delete_task", {"task_id": 1}, call_id="c3")],
            [function_call("delete_task", {"task_id": 2}, call_id="c4")],
            [assistant_message("Done.")],
        ]
    )
    context = ChatContext("alice", 1, ToolBudget(max_calls=10, max_destructive_calls=1))
    async with bridge(engine) as server:
        agent = build_agent(model, server, ModelSettings())
        result = await Runner.run(
            agent, "go", context=context, run_config=RunConfig(tracing_disabled=True)
        )
    model.assert_complete()
    seen = outputs(result.new_items)
    assert [json.loads(output)["status"] for output in seen[:3]] == [
        "created",
        "created",
        "deleted",
    ]
    assert seen[3] == "Refused: this turn reached its limit (destructive_tool_calls_per_turn)."
    assert context.budget.exceeded == "destructive_tool_calls_per_turn"
    assert await all_task_rows(engine) == [("alice", 2, "Two", None, False)]


async def test_the_chats_time_zone_reaches_the_tools(engine: AsyncEngine) -> None:
    """The richer-task table of docs/tasks.md as a model would call it: dates without an
    offset are read on the clock of the run context's time zone, which the model never sees."""
    model = ScriptedModel(
        [
            [
                function_call(
                    "add_task",
                    {"title": "Pay rent", "priority": "high", "due": "2026-12-04"},
                    call_id="c1",
                )
            ],
            [
                function_call(
                    "add_task",
                    {"title": "Trash", "recurrence": "weekly", "due": "2026-12-07T07:00"},
                    call_id="c2",
                )
            ],
            [function_call("update_task", {"task_id": 1, "tags": ["work"]}, call_id="c3")],
            [function_call("list_tasks", {"tag": "work", "sort": "priority"}, call_id="c4")],
            [assistant_message("Done.")],
        ]
    )
    context = ChatContext("alice", 1, timezone=ZoneInfo("Europe/Berlin"))
    async with bridge(engine) as server:
        agent = build_agent(model, server, ModelSettings())
        result = await Runner.run(
            agent, "go", context=context, run_config=RunConfig(tracing_disabled=True)
        )
    model.assert_complete()
    listing = json.loads(outputs(result.new_items)[3])
    assert listing["tasks"] == [
        {
            "id": 1,
            "title": "Pay rent",
            "description": None,
            "completed": False,
            "priority": "high",
            "tags": ["work"],
            "due_at": "2026-12-04T23:59:59+01:00",
        }
    ]
    async with engine.connect() as connection:
        stored = (
            await connection.exec_driver_sql(
                "SELECT number, due_at, time_zone, recurrence FROM tasks ORDER BY number"
            )
        ).all()
    assert [tuple(row) for row in stored] == [
        (1, datetime(2026, 12, 4, 22, 59, 59, tzinfo=UTC), "Europe/Berlin", None),
        (2, datetime(2026, 12, 7, 6, 0, tzinfo=UTC), "Europe/Berlin", "weekly"),
    ]
