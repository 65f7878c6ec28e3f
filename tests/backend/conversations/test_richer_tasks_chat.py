"""The person-says table of docs/api.md §18 through POST /chat on both OpenAI APIs (respx):
the model's tool call scripted as a real model told the user's date would make it, and what
the user notices: the rows (dates in UTC for the zone's calendar), the tool results on the
wire, and the stored answer. Completing a recurring task in chat creates its next occurrence.
The date-dependent ones run on the reference days (tests/clock.py), the clock set by the test."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.conversations.chatting import Chat, assert_answered, tool_call
from tests.backend.conversations.local_days import (
    FRIDAY,
    MONDAY,
    end_of_day,
    end_of_week,
    in_utc,
    next_weekday,
    today,
)
from tests.clock import end_to_end_days
from tests.fakes.openai_frames import Call, Reply, ToolCalls, sequential
from tests.providers import APIS, ModelApi, provider_app
from tests.rows import message_rows, richer_task_rows
from tests.tokens import AuthHeaders

on_both_apis = pytest.mark.parametrize("api", APIS)

# Not UTC, and behind it: the user's "Friday" ends five hours after UTC's.
ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
HIGH, LOW = 3, 1  # priority ranks as stored
REPLY = "Done."
DAYS = end_to_end_days(ZONE)
# The day changes the dates, not the wire: every day on the Responses API, one on Chat
# Completions.
on_each_day = pytest.mark.parametrize(
    ("api", "clock"),
    [pytest.param("responses", day.moment(ZONE), id=f"{day.name}-responses") for day in DAYS]
    + [pytest.param("chat_completions", DAYS[0].moment(ZONE), id=f"{DAYS[0].name}-chat")],
    indirect=["clock"],
)

Body = dict[str, Any]


@dataclass
class Turn:
    """One answered turn: its tool call(s) as reported, and the stored rows after it."""

    calls: list[Body]
    rows: list[Any]


def shown(moment: datetime) -> str:
    """A time as tool results show it: on the user's clock, with its offset."""
    return moment.astimezone(ZONE).isoformat()


def listed(number: int, title: str, **extras: Any) -> Body:
    return {"id": number, "title": title, "description": None, "completed": False, **extras}


async def say(
    settings: Settings,
    auth: AuthHeaders,
    db_engine: AsyncEngine,
    api: ModelApi,
    message: str,
    call: Call,
    output: Body,
    seed: tuple[Body, ...] = (),
    complete: tuple[int, ...] = (),
) -> Turn:
    """Seed tasks over REST (completing the numbers in `complete`), then one chat turn in
    `ZONE` where the model makes `call` and answers `REPLY`; check what the wire showed and
    what was stored."""
    script = sequential([ToolCalls([call]), Reply(REPLY)])
    async with provider_app(settings, api, script=script) as provider:
        headers = auth("alice")
        for task in seed:
            created = await provider.client.post("/api/alice/tasks", json=task, headers=headers)
            assert created.status_code == 201, created.text
        for number in complete:
            path = f"/api/alice/tasks/{number}/complete"
            done = await provider.client.patch(path, headers=headers)
            assert done.status_code == 200, done.text
        chat = Chat(provider.client, headers, timezone=ZONE_NAME)
        events = await chat.stream(message)
        stored = await chat.messages(1)
    calls = [tool_call(call.call_id, call.name, dict(call.arguments), output)]
    assert_answered(events, calls=calls, response=REPLY)
    assert [(m["role"], m["content"], m["tool_calls"]) for m in stored] == [
        ("user", message, []),
        ("assistant", REPLY, calls),
    ]
    assert (await message_rows(db_engine, "alice"))[-1][2:] == ("assistant", REPLY)
    return Turn(calls, await richer_task_rows(db_engine, "alice"))


@on_each_day
async def test_add_a_high_priority_task_to_pay_rent_by_friday(
    clock: datetime, settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    friday = next_weekday(ZONE, FRIDAY)
    arguments = {"title": "Pay rent", "priority": "high", "due": friday.isoformat()}
    due = end_of_day(friday, ZONE)
    output = {
        "task_id": 1,
        "status": "created",
        "title": "Pay rent",
        "priority": "high",
        "due_at": shown(due),
    }

    turn = await say(
        settings, auth, db_engine, api,
        "Add a high priority task to pay rent by Friday",
        Call("add_task", arguments), output,
    )  # fmt: skip

    # By the end of the user's Friday: 04:59:59 UTC on Saturday.
    assert turn.rows == [(1, "Pay rent", False, HIGH, [], in_utc(due), None)]


@on_each_day
async def test_remind_me_every_monday_to_take_out_the_trash(
    clock: datetime, settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    monday = next_weekday(ZONE, MONDAY)
    arguments = {"title": "Take out the trash", "due": monday.isoformat(), "recurrence": "weekly"}
    due = end_of_day(monday, ZONE)
    output = {
        "task_id": 1,
        "status": "created",
        "title": "Take out the trash",
        "due_at": shown(due),
        "recurrence": "weekly",
    }

    turn = await say(
        settings, auth, db_engine, api,
        "Remind me every Monday to take out the trash",
        Call("add_task", arguments), output,
    )  # fmt: skip

    assert turn.rows == [(1, "Take out the trash", False, None, [], in_utc(due), "weekly")]


@on_both_apis
async def test_tag_task_2_as_work(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    seed = ({"title": "Buy milk"}, {"title": "Write the report", "tags": ["Q4"]})
    # update_task replaces the tags: a model that read task 2 keeps its current one.
    arguments = {"task_id": 2, "tags": ["q4", "work"]}
    output = {
        "task_id": 2,
        "status": "updated",
        "title": "Write the report",
        "tags": ["q4", "work"],
    }

    turn = await say(
        settings, auth, db_engine, api,
        "Tag task 2 as work", Call("update_task", arguments), output, seed,
    )  # fmt: skip

    assert turn.rows == [
        (1, "Buy milk", False, None, [], None, None),
        (2, "Write the report", False, None, ["q4", "work"], None, None),
    ]


@on_each_day
async def test_whats_due_this_week(
    clock: datetime, settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    tonight = end_of_day(today(ZONE), ZONE)
    later = end_of_day(end_of_week(ZONE) + timedelta(days=8), ZONE)
    seed = (
        {"title": "See the dentist", "due_at": tonight.isoformat()},
        {"title": "Renew passport", "due_at": later.isoformat()},
        {"title": "Buy milk"},
        {"title": "Send the invoice", "due_at": tonight.isoformat()},
    )
    arguments = {"status": "pending", "due_before": end_of_week(ZONE).isoformat()}
    output = {"tasks": [listed(1, "See the dentist", due_at=shown(tonight))], "count": 1}

    turn = await say(
        settings, auth, db_engine, api,
        "What's due this week?", Call("list_tasks", arguments), output, seed, complete=(4,),
    )  # fmt: skip

    assert [number for number, *_ in turn.rows] == [1, 2, 3, 4]  # listing changes nothing


@on_each_day
async def test_whats_overdue(
    clock: datetime, settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    yesterday_noon = datetime.combine(today(ZONE) - timedelta(days=1), time(12), tzinfo=ZONE)
    tomorrow = end_of_day(today(ZONE) + timedelta(days=1), ZONE)
    seed = (
        {"title": "File the tax return", "due_at": yesterday_noon.isoformat()},
        {"title": "Pay the plumber", "due_at": yesterday_noon.isoformat()},
        {"title": "Book flights", "due_at": tomorrow.isoformat()},
        {"title": "Buy milk"},
    )
    output = {"tasks": [listed(1, "File the tax return", due_at=shown(yesterday_noon))], "count": 1}

    await say(
        settings, auth, db_engine, api,
        "What's overdue?", Call("list_tasks", {"overdue": True}), output, seed, complete=(2,),
    )  # fmt: skip


@on_both_apis
async def test_show_my_work_tasks_by_priority(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    seed = (
        {"title": "Standup notes", "tags": ["work"], "priority": "low"},
        {"title": "Groceries", "tags": ["home"], "priority": "high"},
        {"title": "Email the team", "tags": ["work"]},
        {"title": "Quarterly report", "tags": ["work", "q4"], "priority": "high"},
    )
    output = {
        "tasks": [
            listed(4, "Quarterly report", priority="high", tags=["work", "q4"]),
            listed(1, "Standup notes", priority="low", tags=["work"]),
            listed(3, "Email the team", tags=["work"]),  # no priority: last
        ],
        "count": 3,
    }

    await say(
        settings, auth, db_engine, api,
        "Show my work tasks by priority",
        Call("list_tasks", {"tag": "work", "sort": "priority"}), output, seed,
    )  # fmt: skip


@on_each_day
async def test_completing_a_recurring_task_in_chat_creates_the_next_one(
    clock: datetime, settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    # Due yesterday at 18:00 on the user's clock: one week on is the first time in the future.
    due = datetime.combine(today(ZONE) - timedelta(days=1), time(18), tzinfo=ZONE)
    seed = (
        {
            "title": "Water the plants",
            "tags": ["home"],
            "priority": "low",
            "due_at": due.isoformat(),
            "recurrence": "weekly",
            "timezone": ZONE_NAME,
        },
    )
    output = {
        "task_id": 1,
        "status": "completed",
        "title": "Water the plants",
        "priority": "low",
        "tags": ["home"],
        "due_at": shown(due),
        "recurrence": "weekly",
        "next_task_id": 2,
    }

    turn = await say(
        settings, auth, db_engine, api,
        "I watered the plants, tick it off", Call("complete_task", {"task_id": 1}), output, seed,
    )  # fmt: skip

    next_due = datetime.combine(due.date() + timedelta(days=7), time(18), tzinfo=ZONE)
    assert turn.rows == [
        (1, "Water the plants", True, LOW, ["home"], in_utc(due), "weekly"),
        (2, "Water the plants", False, LOW, ["home"], in_utc(next_due), "weekly"),
    ]
