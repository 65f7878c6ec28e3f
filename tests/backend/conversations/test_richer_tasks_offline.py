"""The person-says table of docs/api.md §18 with the offline model (docs/offline-model.md),
through POST /chat in Europe/Berlin: the tool calls it makes and the rows they leave. The
date-dependent ones run on the reference days (tests/clock.py), the clock set by the test.
The model is not tuned on this table; tests/agent/models/heldout.py scores the same phrasings
at a fixed date."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.conversations.chatting import Chat
from tests.backend.conversations.local_days import (
    FRIDAY,
    MONDAY,
    end_of_day,
    end_of_week,
    in_utc,
    today,
)
from tests.clock import end_to_end_days, on_reference_days
from tests.rows import message_rows, richer_task_rows
from tests.tokens import AuthHeaders

ZONE_NAME = "Europe/Berlin"
ZONE = ZoneInfo(ZONE_NAME)
HIGH, LOW = 3, 1  # priority ranks as stored
on_each_day = on_reference_days(ZONE, end_to_end_days(ZONE))

Body = dict[str, Any]


@pytest.fixture
def berlin(client: httpx.AsyncClient, auth: AuthHeaders) -> Chat:
    return Chat(client, auth("alice"), "alice", ZONE_NAME)


async def seed(chat: Chat, *tasks: Body, complete: tuple[int, ...] = ()) -> None:
    for task in tasks:
        created = await chat.http.post("/api/alice/tasks", json=task, headers=chat.headers)
        assert created.status_code == 201, created.text
    for number in complete:
        path = f"/api/alice/tasks/{number}/complete"
        done = await chat.http.patch(path, headers=chat.headers)
        assert done.status_code == 200, done.text


async def answered(chat: Chat, db_engine: AsyncEngine, message: str) -> list[Body]:
    """One turn; its tool calls, none failed, and the answer stored as the last message."""
    body = await chat.answer(message)
    assert [call for call in body["tool_calls"] if call["is_error"]] == []
    assert body["response"]
    assert (await message_rows(db_engine, "alice"))[-1][2:] == ("assistant", body["response"])
    calls: list[Body] = body["tool_calls"]
    return calls


def coming(weekday: int) -> tuple[date, date]:
    """The days "by Friday" can mean: today if it is one, else the next one."""
    ahead = (weekday - today(ZONE).weekday()) % 7
    first = today(ZONE) + timedelta(days=ahead)
    return first, first + timedelta(days=7 if ahead == 0 else 0)


def due_by_end_of(argument: str, weekday: int) -> datetime:
    """A `due` argument that means the end of the coming `weekday` on the user's clock."""
    due = datetime.fromisoformat(argument)
    assert due.date() in coming(weekday), argument
    assert due == end_of_day(due.date(), ZONE), argument
    return due


def listed(number: int, title: str, **extras: Any) -> Body:
    return {"id": number, "title": title, "description": None, "completed": False, **extras}


def shown(moment: datetime) -> str:
    return moment.astimezone(ZONE).isoformat()


@on_each_day
async def test_add_a_high_priority_task_to_pay_rent_by_friday(
    clock: datetime, berlin: Chat, db_engine: AsyncEngine
) -> None:
    [call] = await answered(berlin, db_engine, "Add a high priority task to pay rent by Friday")

    assert call["name"] == "add_task"
    assert set(call["arguments"]) == {"title", "priority", "due"}
    assert (call["arguments"]["title"], call["arguments"]["priority"]) == ("Pay rent", "high")
    due = due_by_end_of(call["arguments"]["due"], FRIDAY)
    assert call["output"]["due_at"] == shown(due)
    assert await richer_task_rows(db_engine, "alice") == [
        (1, "Pay rent", False, HIGH, [], in_utc(due), None)
    ]


@on_each_day
async def test_remind_me_every_monday_to_take_out_the_trash(
    clock: datetime, berlin: Chat, db_engine: AsyncEngine
) -> None:
    [call] = await answered(berlin, db_engine, "Remind me every Monday to take out the trash")

    assert call["name"] == "add_task"
    arguments = call["arguments"]
    assert set(arguments) == {"title", "due", "recurrence"}
    assert (arguments["title"], arguments["recurrence"]) == ("Take out the trash", "weekly")
    due = due_by_end_of(arguments["due"], MONDAY)
    assert call["output"]["recurrence"] == "weekly"
    assert await richer_task_rows(db_engine, "alice") == [
        (1, "Take out the trash", False, None, [], in_utc(due), "weekly")
    ]


async def test_tag_task_2_as_work_keeps_its_current_tags(
    berlin: Chat, db_engine: AsyncEngine
) -> None:
    await seed(berlin, {"title": "Buy milk"}, {"title": "Write the report", "tags": ["q4"]})

    calls = await answered(berlin, db_engine, "Tag task 2 as work")

    # It looks the task up first: update_task replaces the tags.
    assert [call["name"] for call in calls] == ["list_tasks", "update_task"]
    assert calls[1]["arguments"]["task_id"] == 2
    assert sorted(calls[1]["arguments"]["tags"]) == ["q4", "work"]
    assert await richer_task_rows(db_engine, "alice") == [
        (1, "Buy milk", False, None, [], None, None),
        (2, "Write the report", False, None, calls[1]["arguments"]["tags"], None, None),
    ]


@on_each_day
async def test_whats_due_this_week(clock: datetime, berlin: Chat, db_engine: AsyncEngine) -> None:
    tonight = end_of_day(today(ZONE), ZONE)
    later = end_of_day(end_of_week(ZONE) + timedelta(days=8), ZONE)
    await seed(
        berlin,
        {"title": "See the dentist", "due_at": tonight.isoformat()},
        {"title": "Renew passport", "due_at": later.isoformat()},
        {"title": "Buy milk"},
        {"title": "Send the invoice", "due_at": tonight.isoformat()},
        complete=(4,),
    )

    [call] = await answered(berlin, db_engine, "What's due this week?")

    assert (call["name"], call["arguments"]) == (
        "list_tasks",
        {"status": "pending", "due_before": end_of_day(end_of_week(ZONE), ZONE).isoformat()},
    )
    assert call["output"] == {
        "tasks": [listed(1, "See the dentist", due_at=shown(tonight))],
        "count": 1,
    }


@on_each_day
async def test_whats_overdue(clock: datetime, berlin: Chat, db_engine: AsyncEngine) -> None:
    yesterday_noon = datetime.combine(today(ZONE) - timedelta(days=1), time(12), tzinfo=ZONE)
    tomorrow = end_of_day(today(ZONE) + timedelta(days=1), ZONE)
    await seed(
        berlin,
        {"title": "File the tax return", "due_at": yesterday_noon.isoformat()},
        {"title": "Pay the plumber", "due_at": yesterday_noon.isoformat()},
        {"title": "Book flights", "due_at": tomorrow.isoformat()},
        {"title": "Buy milk"},
        complete=(2,),
    )

    [call] = await answered(berlin, db_engine, "What's overdue?")

    assert call["name"] == "list_tasks"
    assert call["arguments"]["overdue"] is True
    assert call["output"] == {
        "tasks": [listed(1, "File the tax return", due_at=shown(yesterday_noon))],
        "count": 1,
    }


async def test_show_my_work_tasks_by_priority(berlin: Chat, db_engine: AsyncEngine) -> None:
    await seed(
        berlin,
        {"title": "Standup notes", "tags": ["work"], "priority": "low"},
        {"title": "Groceries", "tags": ["home"], "priority": "high"},
        {"title": "Email the team", "tags": ["work"]},
        {"title": "Quarterly report", "tags": ["work", "q4"], "priority": "high"},
    )

    [call] = await answered(berlin, db_engine, "Show my work tasks by priority")

    assert call["name"] == "list_tasks"
    assert (call["arguments"]["tag"], call["arguments"]["sort"]) == ("work", "priority")
    assert [task["title"] for task in call["output"]["tasks"]] == [
        "Quarterly report",
        "Standup notes",
        "Email the team",
    ]


@on_each_day
async def test_completing_a_recurring_task_creates_the_next_one(
    clock: datetime, berlin: Chat, db_engine: AsyncEngine
) -> None:
    due = datetime.combine(today(ZONE) - timedelta(days=1), time(18), tzinfo=ZONE)
    await seed(
        berlin,
        {
            "title": "Water the plants",
            "priority": "low",
            "due_at": due.isoformat(),
            "recurrence": "weekly",
            "timezone": ZONE_NAME,
        },
    )

    [call] = await answered(berlin, db_engine, "Mark task 1 as complete")

    assert (call["name"], call["arguments"]) == ("complete_task", {"task_id": 1})
    assert call["output"]["next_task_id"] == 2
    next_due = datetime.combine(due.date() + timedelta(days=7), time(18), tzinfo=ZONE)
    assert await richer_task_rows(db_engine, "alice") == [
        (1, "Water the plants", True, LOW, [], in_utc(due), "weekly"),
        (2, "Water the plants", False, LOW, [], in_utc(next_due), "weekly"),
    ]
