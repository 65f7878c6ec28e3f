"""The richer task fields through the MCP client: what add/update/list/complete take and
return, dates read on the user's clock, and readable errors."""

from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from mcp.types import CallToolResult, RequestParamsMeta
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mcp_tools.identity import meta_for_user
from tests.clock import on_reference_days
from tests.mcp_tools.test_tasks import Todo, text_of, todo_server

BERLIN = "Europe/Berlin"


async def call(
    todo: Todo, name: str, arguments: dict[str, Any], timezone: str = BERLIN
) -> CallToolResult:
    meta = cast(RequestParamsMeta, meta_for_user("alice", timezone))
    return await todo.client.call_tool(name, arguments, meta=meta)


async def ok(todo: Todo, name: str, arguments: dict[str, Any], timezone: str = BERLIN) -> Any:
    result = await call(todo, name, arguments, timezone)
    assert not result.is_error, result.content
    return result.structured_content


async def error(todo: Todo, name: str, arguments: dict[str, Any]) -> str:
    result = await call(todo, name, arguments)
    assert result.is_error, result
    return text_of(result)


@pytest.fixture
def engine(database: str, db_engine: AsyncEngine) -> AsyncEngine:
    return db_engine


async def stored(engine: AsyncEngine, column: str) -> list[Any]:
    async with engine.connect() as connection:
        result = await connection.execute(text(f"SELECT {column} FROM tasks ORDER BY number"))
        return list(result.scalars())


async def test_add_task_takes_every_richer_field(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        added = await ok(
            todo,
            "add_task",
            {
                "title": "Pay rent",
                "priority": "high",
                "tags": ["Home", "bills"],
                "due": "2026-12-04",
                "recurrence": "monthly",
                "remind": "2026-12-04T09:00",
            },
        )
    assert added == {
        "task_id": 1,
        "status": "created",
        "title": "Pay rent",
        "priority": "high",
        "tags": ["home", "bills"],
        # A date alone is the end of that day, on the user's clock; shown on it too.
        "due_at": "2026-12-04T23:59:59+01:00",
        "recurrence": "monthly",
        "remind_at": "2026-12-04T09:00:00+01:00",
    }
    assert await stored(engine, "due_at") == [datetime(2026, 12, 4, 22, 59, 59, tzinfo=UTC)]
    assert await stored(engine, "time_zone") == [BERLIN]


async def test_a_time_with_an_offset_is_kept_and_utc_is_the_default_zone(
    engine: AsyncEngine,
) -> None:
    async with todo_server(engine) as todo:
        with_offset = await ok(todo, "add_task", {"title": "a", "due": "2026-12-04T17:00-05:00"})
        in_utc = await ok(todo, "add_task", {"title": "b", "due": "2026-12-04T17:00"}, "UTC")
    assert with_offset["due_at"] == "2026-12-04T23:00:00+01:00"
    assert in_utc["due_at"] == "2026-12-04T17:00:00Z"


async def test_a_plain_task_keeps_the_basic_result_shape(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        assert await ok(todo, "add_task", {"title": "Milk"}) == {
            "task_id": 1,
            "status": "created",
            "title": "Milk",
        }
        listing = await ok(todo, "list_tasks", {})
    assert listing["tasks"] == [{"id": 1, "title": "Milk", "description": None, "completed": False}]


async def test_update_task_changes_and_clears_fields(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        await ok(todo, "add_task", {"title": "Report", "tags": ["draft"], "priority": "low"})
        tagged = await ok(todo, "update_task", {"task_id": 1, "tags": ["draft", "work"]})
        cleared = await ok(
            todo, "update_task", {"task_id": 1, "priority": "none", "due": "2026-12-05"}
        )
        undated = await ok(todo, "update_task", {"task_id": 1, "due": "none"})
    assert tagged["tags"] == ["draft", "work"]
    assert "priority" not in cleared
    assert cleared["due_at"] == "2026-12-05T23:59:59+01:00"
    assert "due_at" not in undated
    assert await stored(engine, "priority") == [None]


@on_reference_days(ZoneInfo(BERLIN))
async def test_list_tasks_filters_and_sorts(clock: datetime, engine: AsyncEngine) -> None:
    yesterday = (clock - timedelta(days=1)).isoformat()
    async with todo_server(engine) as todo:
        await ok(todo, "add_task", {"title": "a", "priority": "low", "tags": ["work"]})
        await ok(todo, "add_task", {"title": "b", "priority": "high", "due": yesterday})
        await ok(
            todo,
            "add_task",
            {"title": "c", "tags": ["work"], "priority": "high", "due": "2099-01-01"},
        )

        async def ids(**arguments: Any) -> list[int]:
            listing = await ok(todo, "list_tasks", arguments)
            return [task["id"] for task in listing["tasks"]]

        assert await ids(tag="work", sort="priority") == [3, 1]
        assert await ids(tag="WORK") == [1, 3]
        assert await ids(priority="high") == [2, 3]
        assert await ids(overdue=True) == [2]
        assert await ids(due_before="2098-12-31") == [2]
        # A date alone is a day on the user's clock: Berlin's today, not UTC's.
        assert await ids(due_after=clock.date().isoformat()) == [3]
        assert await ids(due_before="2099-01-01") == [2, 3]  # a date includes its whole day
        assert await ids(sort="due_at") == [2, 3, 1]
        listing = await ok(todo, "list_tasks", {"priority": "low"})
    assert listing["tasks"][0]["tags"] == ["work"]


async def test_completing_a_recurring_task_returns_the_next_one(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        await ok(
            todo,
            "add_task",
            {"title": "Trash", "due": "2030-03-25T08:00", "recurrence": "weekly"},
        )
        done = await ok(todo, "complete_task", {"task_id": 1})
        following = await ok(todo, "list_tasks", {"status": "pending"})
        plain = await ok(todo, "add_task", {"title": "Once"})
        once = await ok(todo, "complete_task", {"task_id": plain["task_id"]})
    assert done["next_task_id"] == 2
    assert done["status"] == "completed"
    # A week later at the same local time, across the DST change of 2030-03-31.
    assert following["tasks"][0]["due_at"] == "2030-04-01T08:00:00+02:00"
    assert "next_task_id" not in once


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("add_task", {"title": "x", "due": "next friday"}, "not an ISO 8601 date"),
        ("add_task", {"title": "x", "remind": "5pm"}, "not an ISO 8601 date"),
        ("add_task", {"title": "x", "recurrence": "daily"}, "needs a due date"),
        ("add_task", {"title": "x", "priority": "urgent"}, "priority"),
        ("add_task", {"title": "x", "tags": ["y" * 31]}, "tags"),
        ("add_task", {"title": "x", "tags": [str(n) for n in range(11)]}, "tags"),
        ("list_tasks", {"due_before": "soon"}, "not an ISO 8601 date"),
        ("list_tasks", {"sort": "colour"}, "sort"),
        ("update_task", {"task_id": 1, "recurrence": "daily"}, "needs a due date"),
        ("update_task", {"task_id": 1}, "what to change"),
    ],
)
async def test_bad_values_are_readable_tool_errors(
    engine: AsyncEngine, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    async with todo_server(engine) as todo:
        await ok(todo, "add_task", {"title": "Milk"})
        message = await error(todo, tool, arguments)
    assert expected in message
    assert await stored(engine, "title") == ["Milk"]
    assert await stored(engine, "recurrence") == [None]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", "Europe"])
async def test_an_unknown_time_zone_in_meta_means_utc(engine: AsyncEngine, zone: str) -> None:
    async with todo_server(engine) as todo:
        added = await ok(todo, "add_task", {"title": "x", "due": "2026-12-04T17:00"}, zone)
    assert added["due_at"] == "2026-12-04T17:00:00Z"
    assert await stored(engine, "time_zone") == ["UTC"]
