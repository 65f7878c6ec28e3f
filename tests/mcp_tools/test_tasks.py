"""The `todo` MCP server in memory, through the MCP client: docs/api.md §7's tools, as a model
(or any MCP client) sees them, on the real task table."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import pytest
from mcp import Client
from mcp.types import CallToolResult, RequestParamsMeta, TextContent
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db.engine import create_sessionmaker
from mcp_tools.identity import USER_META_KEY
from mcp_tools.server import create_todo_server
from tests.rows import all_task_rows

RICHER = {"priority", "tags", "due", "recurrence", "remind"}
TOOLS = {
    "add_task": ({"title", "description", *RICHER}, ["title"]),
    "list_tasks": (
        {"status", "query", "priority", "tag", "due_before", "due_after", "overdue", "sort"},
        [],
    ),
    "complete_task": ({"task_id"}, ["task_id"]),
    "delete_task": ({"task_id"}, ["task_id"]),
    "update_task": ({"task_id", "title", "description", *RICHER}, ["task_id"]),
    "undo_last_change": (set(), []),
}
FRAMEWORK_NOISE = ("Traceback", "pydantic.dev", "[type=", "validation error for", "Arguments")


@dataclass
class Todo:
    """An MCP client session on the server; `call` acts as `user` (None: no `_meta`)."""

    client: Client

    async def call(
        self, name: str, arguments: dict[str, Any], user: str | None = "alice"
    ) -> CallToolResult:
        meta = None if user is None else cast(RequestParamsMeta, {USER_META_KEY: user})
        return await self.client.call_tool(name, arguments, meta=meta)

    async def ok(self, name: str, arguments: dict[str, Any], user: str = "alice") -> Any:
        result = await self.call(name, arguments, user)
        assert not result.is_error, result.content
        assert result.structured_content is not None
        # Plain MCP clients read the text copy: the same JSON.
        assert json.loads(text_of(result)) == result.structured_content
        return result.structured_content

    async def error(self, name: str, arguments: dict[str, Any], user: str | None = "alice") -> str:
        result = await self.call(name, arguments, user)
        assert result.is_error, result
        assert result.structured_content is None
        message = text_of(result)
        for noise in FRAMEWORK_NOISE:
            assert noise not in message, message
        return message


def text_of(result: CallToolResult) -> str:
    return " ".join(part.text for part in result.content if isinstance(part, TextContent))


@asynccontextmanager
async def todo_server(engine: AsyncEngine) -> AsyncIterator[Todo]:
    """Entered and left in the test's own task (the client holds anyio cancel scopes)."""
    async with Client(create_todo_server(create_sessionmaker(engine))) as client:
        yield Todo(client)


@pytest.fixture
def engine(database: str, db_engine: AsyncEngine) -> AsyncEngine:
    """The migrated database, emptied after the test."""
    return db_engine


async def test_the_server_offers_the_six_tools_with_no_user_parameter(
    engine: AsyncEngine,
) -> None:
    async with todo_server(engine) as todo:
        assert todo.client.server_info is not None
        assert todo.client.server_info.name == "todo"
        tools = {tool.name: tool for tool in (await todo.client.list_tools()).tools}
    assert set(tools) == set(TOOLS)
    for name, (arguments, required) in TOOLS.items():
        schema = tools[name].input_schema
        assert set(schema["properties"]) == arguments, name
        assert sorted(schema.get("required", [])) == sorted(required), name
        flat = json.dumps(schema).lower()
        assert "user" not in flat, name
        assert "owner" not in flat, name
        assert tools[name].output_schema is not None, name


# (read-only, destructive, idempotent) as a client's host reads them before asking its person.
HINTS = {
    "add_task": (False, False, False),
    "list_tasks": (True, False, True),
    "complete_task": (False, False, True),
    "delete_task": (False, True, True),
    "update_task": (False, True, True),
    "undo_last_change": (False, True, False),
}


async def test_every_tool_has_a_title_and_all_four_hints(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        tools = {tool.name: tool for tool in (await todo.client.list_tools()).tools}
    assert set(HINTS) == set(tools)
    for name, (read_only, destructive, idempotent) in HINTS.items():
        tool, hints = tools[name], tools[name].annotations
        assert tool.title, name
        assert hints is not None, name
        assert hints.title == tool.title, name
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (
            read_only,
            destructive,
            idempotent,
        ), name
        assert hints.open_world_hint is False, name


async def test_add_task_creates_numbered_tasks(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        first = await todo.ok("add_task", {"title": "  Buy milk  "})
        second = await todo.ok("add_task", {"title": "Call mom", "description": "Sunday"})
    assert first == {"task_id": 1, "status": "created", "title": "Buy milk"}
    assert second == {"task_id": 2, "status": "created", "title": "Call mom"}
    assert await all_task_rows(engine) == [
        ("alice", 1, "Buy milk", None, False),
        ("alice", 2, "Call mom", "Sunday", False),
    ]


async def test_list_tasks_filters_by_status_and_query(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        for title in ("Buy milk", "Team meeting", "Buy bread"):
            await todo.ok("add_task", {"title": title})
        await todo.ok("complete_task", {"task_id": 3})
        everything = await todo.ok("list_tasks", {})
        pending = await todo.ok("list_tasks", {"status": "pending"})
        completed = await todo.ok("list_tasks", {"status": "completed"})
        buying = await todo.ok("list_tasks", {"status": "all", "query": "buy"})
        nothing = await todo.ok("list_tasks", {"query": "dentist"})
    assert everything == {
        "tasks": [
            {"id": 1, "title": "Buy milk", "description": None, "completed": False},
            {"id": 2, "title": "Team meeting", "description": None, "completed": False},
            {"id": 3, "title": "Buy bread", "description": None, "completed": True},
        ],
        "count": 3,
    }
    assert [t["id"] for t in pending["tasks"]] == [1, 2]
    assert pending["count"] == 2
    assert [t["id"] for t in completed["tasks"]] == [3]
    assert [t["id"] for t in buying["tasks"]] == [1, 3]
    assert nothing == {"tasks": [], "count": 0}


async def test_complete_update_and_delete_report_the_task(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        await todo.ok("add_task", {"title": "Buy milk"})
        await todo.ok("add_task", {"title": "Call mom"})
        completed = await todo.ok("complete_task", {"task_id": 1})
        renamed = await todo.ok("update_task", {"task_id": 2, "title": "Call mom tonight"})
        described = await todo.ok("update_task", {"task_id": 2, "description": "after 7"})
        assert await all_task_rows(engine) == [
            ("alice", 1, "Buy milk", None, True),
            ("alice", 2, "Call mom tonight", "after 7", False),
        ]
        deleted = await todo.ok("delete_task", {"task_id": 1})
    assert completed == {"task_id": 1, "status": "completed", "title": "Buy milk"}
    assert renamed == {"task_id": 2, "status": "updated", "title": "Call mom tonight"}
    assert described == {"task_id": 2, "status": "updated", "title": "Call mom tonight"}
    assert deleted == {"task_id": 1, "status": "deleted", "title": "Buy milk"}
    assert await all_task_rows(engine) == [("alice", 2, "Call mom tonight", "after 7", False)]


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("complete_task", {"task_id": 9}),
        ("delete_task", {"task_id": 9}),
        ("update_task", {"task_id": 9, "title": "New"}),
    ],
)
async def test_an_unknown_task_is_a_readable_tool_error(
    engine: AsyncEngine, tool: str, arguments: dict[str, Any]
) -> None:
    async with todo_server(engine) as todo:
        await todo.ok("add_task", {"title": "Buy milk"})
        message = await todo.error(tool, arguments)
    assert message == "Task 9 was not found."
    assert await all_task_rows(engine) == [("alice", 1, "Buy milk", None, False)]


async def test_another_users_task_is_not_found(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        await todo.ok("add_task", {"title": "Bob's secret"}, user="bob")
        for tool in ("complete_task", "delete_task"):
            assert await todo.error(tool, {"task_id": 1}) == "Task 1 was not found."
        assert await todo.ok("list_tasks", {}) == {"tasks": [], "count": 0}
    assert await all_task_rows(engine) == [("bob", 1, "Bob's secret", None, False)]


async def test_a_user_id_argument_is_ignored(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        await todo.ok("add_task", {"title": "Bob's task"}, user="bob")
        await todo.ok("add_task", {"title": "Alice's task", "user_id": "bob"})
        await todo.ok("add_task", {"title": "Alice's other task", "owner": "bob"})
        listing = await todo.ok("list_tasks", {"user_id": "bob"})
        deleted = await todo.ok("delete_task", {"task_id": 1, "user_id": "bob"})
    assert [task["title"] for task in listing["tasks"]] == ["Alice's task", "Alice's other task"]
    assert deleted == {"task_id": 1, "status": "deleted", "title": "Alice's task"}
    assert await all_task_rows(engine) == [
        ("alice", 2, "Alice's other task", None, False),
        ("bob", 1, "Bob's task", None, False),
    ]


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [("add_task", {"title": "Sneaky"}), ("list_tasks", {}), ("delete_task", {"task_id": 1})],
)
async def test_without_a_user_in_meta_nothing_happens(
    engine: AsyncEngine, tool: str, arguments: dict[str, Any]
) -> None:
    async with todo_server(engine) as todo:
        await todo.ok("add_task", {"title": "Buy milk"})
        message = await todo.error(tool, {**arguments, "user_id": "alice"}, user=None)
    assert "authenticated" in message
    assert await all_task_rows(engine) == [("alice", 1, "Buy milk", None, False)]


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("add_task", {"title": "   "}, "title"),
        ("add_task", {}, "title"),
        ("add_task", {"title": "x" * 201}, "title"),
        ("add_task", {"title": "Milk", "description": "d" * 1001}, "description"),
        ("add_task", {"title": "Nul\x00byte"}, "title"),
        ("list_tasks", {"status": "bogus"}, "status"),
        ("complete_task", {"task_id": "three"}, "task_id"),
        ("complete_task", {"task_id": 0}, "task_id"),
        ("delete_task", {}, "task_id"),
        ("update_task", {"task_id": 1, "title": ""}, "title"),
    ],
)
async def test_bad_input_is_a_readable_tool_error(
    engine: AsyncEngine, tool: str, arguments: dict[str, Any], field: str
) -> None:
    async with todo_server(engine) as todo:
        await todo.ok("add_task", {"title": "Buy milk"})
        message = await todo.error(tool, arguments)
    assert field in message
    assert not message.startswith("Error executing tool"), message
    assert await all_task_rows(engine) == [("alice", 1, "Buy milk", None, False)]


async def test_update_without_changes_asks_for_them(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        await todo.ok("add_task", {"title": "Buy milk"})
        message = await todo.error("update_task", {"task_id": 1})
    assert "new title or description" in message
    assert await all_task_rows(engine) == [("alice", 1, "Buy milk", None, False)]
