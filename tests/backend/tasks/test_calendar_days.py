"""Overdue and the next occurrence of a recurring task over REST, on every reference day
(tests/clock.py) in a zone each side of UTC: the app reads the clock the test set, and each
rule lands on the right calendar day at the same wall-clock time."""

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.clock import on_reference_days
from tests.tokens import AuthHeaders

TASKS = "/api/alice/tasks"
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
SATURDAY = 5
NINE = time(9)


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> Any:
    response = await client.post(TASKS, json={"title": "t", **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


@on_reference_days(NEW_YORK)
async def test_overdue_is_past_due_on_the_apps_clock(
    clock: datetime, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    alice = auth("alice")
    today = clock.date()
    for due in (
        clock - timedelta(minutes=1),
        clock + timedelta(hours=1),
        end_of(today - timedelta(days=1), NEW_YORK),
        end_of(today, NEW_YORK),
        clock - timedelta(days=1),
    ):
        await create(client, alice, due_at=due.isoformat())
    assert (await client.patch(f"{TASKS}/5/complete", headers=alice)).status_code == 200

    response = await client.get(TASKS, params={"overdue": "true"}, headers=alice)

    assert response.status_code == 200
    assert [task["id"] for task in response.json()["tasks"]] == [1, 3]


def monthly(day: date) -> date:
    """The same day next month, or that month's last day."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_weekday(day: date) -> date:
    following = day + timedelta(days=1)
    while following.weekday() >= SATURDAY:
        following += timedelta(days=1)
    return following


def following_days(today: date) -> dict[str, date]:
    return {
        "daily": today + timedelta(days=1),
        "weekdays": next_weekday(today),
        "weekly": today + timedelta(days=7),
        "monthly": monthly(today),
    }


@on_reference_days(BERLIN)
async def test_recurring_tasks_come_back_on_the_next_day_of_their_rule_in_berlin(
    clock: datetime, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    await completed_today_at_nine(clock, BERLIN, client, auth)


@on_reference_days(NEW_YORK)
async def test_recurring_tasks_come_back_on_the_next_day_of_their_rule_in_new_york(
    clock: datetime, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    await completed_today_at_nine(clock, NEW_YORK, client, auth)


async def completed_today_at_nine(
    clock: datetime, zone: ZoneInfo, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    """Each rule's task, due at 9:00 today on the zone's clock (before the reference moment)
    with a reminder half an hour before, completed: the next one is due at 9:00 on the rule's
    next day, whatever the offset that day, and its reminder is half an hour before that."""
    alice = auth("alice")
    due = datetime.combine(clock.date(), NINE, tzinfo=zone)
    expected = following_days(clock.date())
    for rule in expected:
        body = {"due_at": due.isoformat(), "recurrence": rule, "timezone": zone.key}
        await create(client, alice, remind_at=(due - timedelta(minutes=30)).isoformat(), **body)

    following: dict[str, datetime] = {}
    for number, rule in enumerate(expected, start=1):
        done = await client.patch(f"{TASKS}/{number}/complete", headers=alice)
        created = (await client.get(f"{TASKS}/{done.json()['next_task_id']}", headers=alice)).json()
        following[rule] = datetime.fromisoformat(created["due_at"])
        remind_at = datetime.fromisoformat(created["remind_at"])
        assert remind_at == following[rule] - timedelta(minutes=30), rule

    assert {rule: when.astimezone(zone) for rule, when in following.items()} == {
        rule: datetime.combine(day, NINE, tzinfo=zone) for rule, day in expected.items()
    }
    assert {rule: when.astimezone(zone).utcoffset() for rule, when in following.items()} == {
        rule: datetime.combine(day, NINE, tzinfo=zone).utcoffset() for rule, day in expected.items()
    }
