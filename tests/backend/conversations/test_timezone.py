"""POST /chat's `timezone`: validated at the edge, carried into the turn, told to the model as
the user's local time, and used by the offline model to read "tomorrow" (docs/api.md §18)."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.conversations.chatting import Chat
from tests.clock import dst_eves, reference_days
from tests.fakes.openai_frames import Reply, sequential
from tests.providers import provider_app
from tests.rows import task_rows
from tests.tokens import AuthHeaders


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "", "utc+2", "../../etc/passwd", "Europe/" + "x" * 5000, 7, None]
)
async def test_an_unknown_time_zone_is_a_422_naming_the_field(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine, zone: Any
) -> None:
    response = await client.post(
        "/api/alice/chat",
        json={"message": "add a task to buy milk", "timezone": zone},
        headers=auth("alice"),
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "timezone"]
    if isinstance(zone, str) and len(zone) < 64:
        assert "IANA time zone" in response.json()["detail"][0]["msg"]
    assert await task_rows(db_engine, "alice") == []


async def _instructions_sent(settings: Settings, auth: AuthHeaders, **body: Any) -> str:
    async with provider_app(
        settings, "responses", script=sequential([Reply("Hello.")])
    ) as provider:
        response = await provider.client.post(
            "/api/alice/chat", json={"message": "hi", **body}, headers=auth("alice")
        )
        assert response.status_code == 200
        instructions: str = provider.sent(0)["instructions"]
    return instructions


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/St_Johns", "Pacific/Kiritimati"])
async def test_the_model_is_told_the_users_local_date_and_time(
    settings: Settings, auth: AuthHeaders, zone: str
) -> None:
    instructions = await _instructions_sent(settings, auth, timezone=zone)

    told = _told_now(instructions, zone)
    now = datetime.now(ZoneInfo(zone))
    assert told.utcoffset() == now.utcoffset()
    assert abs(told - now) < timedelta(minutes=1)
    assert f"{told:%A, %d %B %Y, %H:%M}" in instructions


async def test_without_a_time_zone_the_model_is_told_utc(
    settings: Settings, auth: AuthHeaders
) -> None:
    instructions = await _instructions_sent(settings, auth)

    told = _told_now(instructions, "UTC")
    assert told.utcoffset() == timedelta(0)
    assert abs(told - datetime.now(UTC)) < timedelta(minutes=1)


def _told_now(instructions: str, zone: str) -> datetime:
    marker = "current time: "
    start = instructions.index(marker) + len(marker)
    stamp, _, rest = instructions[start:].partition(" in ")
    assert rest.startswith(zone + ")")
    return datetime.fromisoformat(stamp)


# The zones at either end of the day, each on 31 December (tomorrow is in the next year), and
# Berlin on the eves of its clock changes (tomorrow has another offset).
TOMORROW_DAYS = [
    pytest.param(zone, day.moment(ZoneInfo(zone)), id=f"{zone}-{day.name}")
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin")
    for day in reference_days(ZoneInfo(zone))
    if day.name == "new-years-eve" or day in dst_eves(ZoneInfo(zone))
]


@pytest.mark.parametrize(("zone", "clock"), TOMORROW_DAYS, indirect=["clock"])
async def test_the_offline_model_reads_tomorrow_in_the_users_zone(
    clock: datetime, alice: Chat, zone: str
) -> None:
    response = await alice.http.post(
        "/api/alice/chat",
        json={"message": "add a task to call mom tomorrow at 9am", "timezone": zone},
        headers=alice.headers,
    )

    assert response.status_code == 200
    [call] = response.json()["tool_calls"]
    assert call["arguments"]["title"] == "Call mom"
    due = datetime.fromisoformat(call["arguments"]["due"])
    tomorrow = clock.date() + timedelta(days=1)
    assert (due.date(), due.hour, due.minute) == (tomorrow, 9, 0)
    assert due.utcoffset() == due.astimezone(ZoneInfo(zone)).utcoffset()


async def test_a_title_of_200_sharp_s_is_added_as_written(
    alice: Chat, db_engine: AsyncEngine
) -> None:
    # "ß".upper() is "SS": capitalising it would make the title 201 characters.
    body = await alice.answer("add a task to " + "\u00df" * 200)

    [call] = body["tool_calls"]
    assert call["is_error"] is False
    assert await task_rows(db_engine, "alice") == [(1, "\u00df" * 200, None, False)]
