"""The live feed over real HTTP, on the in-memory broker and on Redis."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from backend.conversations import sse
from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.support import assert_error
from tests.polling import eventually
from tests.redis_server import RestartableRedis
from tests.sse import SSEEvent, read_events

DEADLINE = 5.0
Auth = Callable[[str], dict[str, str]]


@pytest.fixture(params=["memory", "redis"])
async def served(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[str]:
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    settings = settings.model_copy(update={"redis_url": redis_url})
    async with serving(create_app(settings)) as base_url:
        yield base_url


async def next_event(events: AsyncIterator[SSEEvent]) -> SSEEvent:
    async with asyncio.timeout(DEADLINE):
        return await anext(events)


async def test_a_feed_gets_its_users_changes_and_nobody_elses(served: str, auth: Auth) -> None:
    alice, bob = f"alice-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
    async with (
        httpx.AsyncClient(base_url=served, timeout=DEADLINE) as http,
        http.stream("GET", f"/api/{alice}/events", headers=auth(alice)) as alices,
        http.stream("GET", f"/api/{bob}/events", headers=auth(bob)) as bobs,
    ):
        assert alices.status_code == bobs.status_code == 200
        assert alices.headers["content-type"].startswith("text/event-stream")
        created = {"title": "Buy milk"}
        response = await http.post(f"/api/{alice}/tasks", json=created, headers=auth(alice))
        assert response.status_code == 201
        event = await next_event(read_events(alices))
        assert event.name == "task"
        assert event.data == {"action": "created", "task": response.json()}
        await http.post(f"/api/{bob}/tasks", json={"title": "Bob's own"}, headers=auth(bob))
        bobs_event = await next_event(read_events(bobs))
        assert bobs_event.data["task"]["title"] == "Bob's own"


async def test_a_feed_needs_the_users_own_token(served: str, auth: Auth) -> None:
    async with httpx.AsyncClient(base_url=served, timeout=DEADLINE) as http:
        missing = await http.get("/api/alice/events")
        assert_error(missing, 401, "unauthorized")
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert_error(await http.get("/api/alice/events", headers=auth("bob")), 403, "forbidden")


async def test_a_task_added_by_chat_is_on_the_feed(served: str, auth: Auth) -> None:
    user = f"carol-{uuid.uuid4().hex[:8]}"
    async with (
        httpx.AsyncClient(base_url=served, timeout=DEADLINE) as http,
        http.stream("GET", f"/api/{user}/events", headers=auth(user)) as feed,
    ):
        chat = {"message": "Add a task to buy milk"}
        answer = await http.post(f"/api/{user}/chat", json=chat, headers=auth(user))
        assert answer.status_code == 200
        tasks = [e async for e in _task_events(read_events(feed), 1)]
        assert tasks[0]["action"] == "created"
        assert tasks[0]["task"]["title"] == "Buy milk"


async def _task_events(
    events: AsyncIterator[SSEEvent], count: int
) -> AsyncIterator[dict[str, Any]]:
    seen = 0
    async with asyncio.timeout(DEADLINE):
        async for event in events:
            if event.name == "task":
                yield event.data
                seen += 1
                if seen == count:
                    return


async def test_without_redis_the_feed_and_readiness_say_so_then_recover(
    settings: Settings, auth: Auth, tmp_path_factory: pytest.TempPathFactory
) -> None:
    redis = RestartableRedis(tmp_path_factory.mktemp("feed-redis"))
    await redis.start()
    try:
        app = create_app(settings.model_copy(update={"redis_url": redis.url}))
        async with serving(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
            assert (await http.get("/readyz")).status_code == 200
            await redis.stop()
            assert_error(await http.get("/readyz"), 503, "broker_unavailable")
            feed = await http.get("/api/dave/events", headers=auth("dave"))
            assert_error(feed, 503, "broker_unavailable")
            await redis.start()

            async def ready() -> bool:
                return (await http.get("/readyz")).status_code == 200

            await eventually(ready, 5, "ready again once Redis answers")
    finally:
        await redis.stop()


async def test_a_feed_quiet_past_its_ping_interval_still_delivers(
    served: str, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sse, "PING_SECONDS", 0.1)
    user = f"erin-{uuid.uuid4().hex[:8]}"
    async with (
        httpx.AsyncClient(base_url=served, timeout=DEADLINE) as http,
        http.stream("GET", f"/api/{user}/events", headers=auth(user)) as feed,
    ):
        lines = feed.aiter_lines()

        async def pinged_twice() -> bool:
            pings = 0
            async for line in lines:
                pings += line == ": ping"
                if pings == 2:
                    return True
            return False

        async with asyncio.timeout(DEADLINE):
            assert await pinged_twice()  # quiet for several intervals
        created = await http.post(f"/api/{user}/tasks", json={"title": "Late"}, headers=auth(user))
        assert created.status_code == 201
        async with asyncio.timeout(DEADLINE):
            async for line in lines:
                if line.startswith("data:"):
                    assert '"Late"' in line
                    break


async def test_a_task_restored_by_undo_is_a_task_event_like_any_other(
    settings: Settings, auth: Auth
) -> None:
    alice = f"alice-{uuid.uuid4().hex[:8]}"
    async with (
        serving(create_app(settings)) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=DEADLINE) as http,
    ):
        created = await http.post(f"/api/{alice}/tasks", json={"title": "a"}, headers=auth(alice))
        await http.delete(f"/api/{alice}/tasks/1", headers=auth(alice))
        async with http.stream("GET", f"/api/{alice}/events", headers=auth(alice)) as feed:
            events = read_events(feed)
            undone = await http.post(f"/api/{alice}/activity/2/undo", headers=auth(alice))
            assert undone.status_code == 200, undone.text
            event = await next_event(events)
        task = (await http.get(f"/api/{alice}/tasks/1", headers=auth(alice))).json()
    assert event.name == "task"
    assert event.data == {"action": "created", "task": task}
    assert task["created_at"] == created.json()["created_at"]
