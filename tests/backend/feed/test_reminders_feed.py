"""Reminders reach the live feed once, from two servers sharing one database and Redis."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.sse import read_events

DEADLINE = 10.0
Auth = Callable[[str], dict[str, str]]


async def test_each_reminder_reaches_the_feed_once_across_two_servers(
    settings: Settings, redis_url: str, auth: Auth
) -> None:
    """Both servers poll every 50 ms. The second reminder comes half a second after the
    first: by then both have polled past the first many times, and it is still seen once."""
    shared = settings.model_copy(update={"redis_url": redis_url, "reminder_interval_seconds": 0.05})
    user = f"erin-{uuid.uuid4().hex[:8]}"
    async with (
        serving(create_app(shared)) as first,
        serving(create_app(shared)) as second,
        httpx.AsyncClient(timeout=DEADLINE) as http,
        http.stream("GET", f"{first}/api/{user}/events", headers=auth(user)) as feed,
    ):
        assert feed.status_code == 200
        now = datetime.now(UTC)
        for title, delay in (("early", -60), ("late", 0.5)):
            body = {"title": title, "remind_at": (now + timedelta(seconds=delay)).isoformat()}
            created = await http.post(f"{second}/api/{user}/tasks", json=body, headers=auth(user))
            assert created.status_code == 201
        reminded: list[str] = []
        async with asyncio.timeout(DEADLINE):
            async for event in read_events(feed):
                if event.name == "reminder":
                    reminded.append(event.data["task"]["title"])
                    if event.data["task"]["title"] == "late":
                        break
        assert reminded == ["early", "late"]
