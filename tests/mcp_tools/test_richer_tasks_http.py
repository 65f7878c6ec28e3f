"""The richer tasks of docs/api.md §18 over /mcp (uvicorn on loopback, the official Python
MCP client with a bearer token): add with every field, list by tag and priority, complete a
recurring task for its next occurrence, and the same tasks over REST; another token sees none."""

from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
import pytest
from mcp import Client
from mcp.types import RequestParamsMeta
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from mcp_tools.identity import TIMEZONE_META_KEY
from tests.clock import end_to_end_days, on_reference_days
from tests.mcp_tools.remote import bearer, mcp_client, served
from tests.mcp_tools.test_http import error
from tests.rows import richer_task_rows

ZONE_NAME = "Asia/Tokyo"
ZONE = ZoneInfo(ZONE_NAME)
# A remote client may say which clock its dates are on (never whose tasks they are).
ON_TOKYO_CLOCK = cast(RequestParamsMeta, {TIMEZONE_META_KEY: ZONE_NAME})
HIGH, LOW = 3, 1  # priority ranks as stored


@pytest.fixture
def engine(database: str, db_engine: AsyncEngine) -> AsyncEngine:
    return db_engine


async def ok(client: Client, name: str, arguments: dict[str, Any]) -> Any:
    result = await client.call_tool(name, arguments, meta=ON_TOKYO_CLOCK)
    assert not result.is_error, result.content
    return result.structured_content


def in_a_week() -> date:
    return datetime.now(ZONE).date() + timedelta(days=7)


async def test_richer_fields_over_mcp_are_the_tasks_rest_sees(
    settings: Settings, engine: AsyncEngine
) -> None:
    day = in_a_week()
    due = datetime.combine(day, time(23, 59, 59), tzinfo=ZONE)  # a date alone: end of day
    remind = datetime.combine(day, time(9), tzinfo=ZONE)
    async with served(settings) as url, mcp_client(url, bearer("alice")) as client:
        added = await ok(
            client,
            "add_task",
            {
                "title": "Pay rent",
                "priority": "high",
                "tags": ["Home", "bills"],
                "due": day.isoformat(),
                "recurrence": "monthly",
                "remind": f"{day.isoformat()}T09:00",
            },
        )
        await ok(client, "add_task", {"title": "Buy milk", "tags": ["home"], "priority": "low"})
        await ok(client, "add_task", {"title": "Fix the door", "tags": ["home"]})
        await ok(client, "add_task", {"title": "Invoice", "tags": ["bills"], "priority": "high"})
        by_priority = await ok(client, "list_tasks", {"tag": "home", "sort": "priority"})
        async with httpx.AsyncClient(base_url=url, headers=bearer("alice")) as http:
            over_rest = (await http.get("/api/alice/tasks/1")).json()

    assert added == {
        "task_id": 1,
        "status": "created",
        "title": "Pay rent",
        "priority": "high",
        "tags": ["home", "bills"],
        "due_at": due.isoformat(),
        "recurrence": "monthly",
        "remind_at": remind.isoformat(),
    }
    assert [(t["id"], t.get("priority")) for t in by_priority["tasks"]] == [
        (1, "high"),
        (2, "low"),
        (3, None),  # no priority: last
    ]
    assert by_priority["count"] == 3
    assert (over_rest["priority"], over_rest["tags"], over_rest["recurrence"]) == (
        "high",
        ["home", "bills"],
        "monthly",
    )
    assert datetime.fromisoformat(over_rest["due_at"]) == due
    assert datetime.fromisoformat(over_rest["remind_at"]) == remind
    assert (await richer_task_rows(engine, "alice"))[0] == (
        1, "Pay rent", False, HIGH, ["home", "bills"], due, "monthly",
    )  # fmt: skip


@on_reference_days(ZONE, end_to_end_days(ZONE))
async def test_completing_a_recurring_task_over_mcp_returns_its_next_occurrence(
    clock: datetime, settings: Settings, engine: AsyncEngine
) -> None:
    # Due yesterday at 08:00 in Tokyo: moved a day at a time until it is in the future, so
    # today's 08:00 at 00:30 (29 February), tomorrow's at 10:00.
    due = datetime.combine(clock.date() - timedelta(days=1), time(8), tzinfo=ZONE)
    ahead = 0 if clock.time() < time(8) else 1
    next_due = datetime.combine(clock.date() + timedelta(days=ahead), time(8), tzinfo=ZONE)
    async with served(settings) as url:
        async with mcp_client(url, bearer("alice")) as client:
            await ok(
                client,
                "add_task",
                {"title": "Stretch", "tags": ["health"], "priority": "low",
                 "due": due.isoformat(), "recurrence": "daily"},
            )  # fmt: skip
            completed = await ok(client, "complete_task", {"task_id": 1})
            pending = await ok(client, "list_tasks", {"status": "pending", "tag": "health"})
        async with httpx.AsyncClient(base_url=url, headers=bearer("alice")) as http:
            over_rest = (await http.get("/api/alice/tasks", params={"tag": "health"})).json()
        async with mcp_client(url, bearer("bob")) as bob:
            assert await error(bob, "complete_task", {"task_id": 2}) == "Task 2 was not found."

    assert completed == {
        "task_id": 1,
        "status": "completed",
        "title": "Stretch",
        "priority": "low",
        "tags": ["health"],
        "due_at": due.isoformat(),
        "recurrence": "daily",
        "next_task_id": 2,
    }
    assert [(t["id"], t["due_at"]) for t in pending["tasks"]] == [(2, next_due.isoformat())]
    assert [(t["id"], t["completed"]) for t in over_rest["tasks"]] == [(1, True), (2, False)]
    assert await richer_task_rows(engine, "alice") == [
        (1, "Stretch", True, LOW, ["health"], due, "daily"),
        (2, "Stretch", False, LOW, ["health"], next_due, "daily"),
    ]
    assert await richer_task_rows(engine, "bob") == []
