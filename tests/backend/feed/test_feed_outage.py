"""A short Redis outage under open live feeds (issue 23 finding 6), on a private redis-server
stopped and started: a feed that may have missed anything says so at once with `error`, a
reminder due meanwhile is sent once Redis takes it, and no subscription outlives its feed."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.polling import eventually
from tests.redis_server import RestartableRedis
from tests.rows import rows
from tests.sse import SSEEvent, read_events

# Well under the feed's 10 s ping: "at once" is what is tested.
TOLD_WITHIN = 3.0
DEADLINE = 10.0
Auth = Callable[[str], dict[str, str]]


PREFIX = "feed-outage:"


@pytest.fixture
async def served(settings: Settings, private_redis: RestartableRedis) -> AsyncIterator[str]:
    update = {
        "redis_url": private_redis.url,
        "redis_key_prefix": PREFIX,
        "reminder_interval_seconds": 0.1,
    }
    app_settings = settings.model_copy(update=update)
    async with serving(create_app(app_settings)) as base_url:
        yield base_url


async def numsub(url: str, user: str) -> int:
    client = redis.asyncio.Redis.from_url(url)
    try:
        counts = await client.pubsub_numsub(f"{PREFIX}feed:{user}")
        return int(counts[0][1])
    finally:
        await client.aclose()


async def ready(http: httpx.AsyncClient) -> bool:
    return (await http.get("/readyz")).status_code == 200


async def first_event(events: AsyncIterator[SSEEvent], name: str | None = None) -> SSEEvent:
    async with asyncio.timeout(DEADLINE):
        async for event in events:
            if name is None or event.name == name:
                return event
    raise AssertionError("the feed ended without the event")


async def test_an_open_feed_says_at_once_that_it_may_have_missed_changes(
    served: str, private_redis: RestartableRedis, auth: Auth
) -> None:
    user = f"fay-{uuid.uuid4().hex[:8]}"
    async with (
        httpx.AsyncClient(base_url=served, timeout=DEADLINE) as http,
        http.stream("GET", f"/api/{user}/events", headers=auth(user)) as feed,
    ):
        assert feed.status_code == 200
        await eventually(lambda: _subscribed(private_redis.url, user), DEADLINE, "subscribed")
        stopped = time.monotonic()
        await private_redis.stop()
        told = await first_event(read_events(feed))
        told_after = time.monotonic() - stopped
    assert told.name == "error"
    assert told.data["code"] == "broker_unavailable"
    assert told_after < TOLD_WITHIN, told_after


async def test_a_short_outage_ends_feeds_that_redis_py_resubscribed_silently(
    served: str, private_redis: RestartableRedis, auth: Auth
) -> None:
    """Redis back within redis-py's own reconnection: no error reaches the listener, yet
    anything published in between is gone; the feed must still say so."""
    user = f"gus-{uuid.uuid4().hex[:8]}"
    async with (
        httpx.AsyncClient(base_url=served, timeout=DEADLINE) as http,
        http.stream("GET", f"/api/{user}/events", headers=auth(user)) as feed,
    ):
        await eventually(lambda: _subscribed(private_redis.url, user), DEADLINE, "subscribed")
        await private_redis.stop()
        await private_redis.start()
        told = await first_event(read_events(feed))
    assert (told.name, told.data["code"]) == ("error", "broker_unavailable")


async def test_a_feed_closed_during_an_outage_leaves_no_subscription(
    served: str, private_redis: RestartableRedis, auth: Auth
) -> None:
    user = f"hal-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=served, timeout=DEADLINE) as http:
        async with http.stream("GET", f"/api/{user}/events", headers=auth(user)) as feed:
            assert feed.status_code == 200
            await eventually(lambda: _subscribed(private_redis.url, user), DEADLINE, "subscribed")
            await private_redis.stop()
        # The tab closed while Redis was away; then Redis is back.
        await private_redis.start()
        await eventually(lambda: ready(http), DEADLINE, "ready again")
        # A feed of another user subscribes on the same connection, so redis-py has
        # subscribed again to every channel it still lists.
        other = f"other-{user}"
        async with http.stream("GET", f"/api/{other}/events", headers=auth(other)) as feed:
            assert feed.status_code == 200
            await eventually(lambda: _subscribed(private_redis.url, other), DEADLINE, "reconnected")

        async def none_left() -> bool:
            return await numsub(private_redis.url, user) == 0

        await eventually(none_left, DEADLINE, "no subscription left for the closed feed")


async def test_a_reminder_due_during_an_outage_is_sent_once_redis_takes_it(
    served: str,
    private_redis: RestartableRedis,
    auth: Auth,
    db_engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = f"ida-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=served, timeout=DEADLINE) as http:
        # Due in a moment: REST itself needs Redis (the request limits), the reminder loop not.
        remind_at = datetime.now(UTC) + timedelta(seconds=1.5)
        body = {"title": "Call mum", "remind_at": remind_at.isoformat()}
        created = await http.post(f"/api/{user}/tasks", json=body, headers=auth(user))
        assert created.status_code == 201
        await private_redis.stop()
        caplog.clear()

        async def rounds_refused() -> bool:
            return caplog.text.count("reminders not sent this round: BrokerUnavailable") >= 3

        await eventually(rounds_refused, DEADLINE, "reminder rounds while Redis is away")
        assert await _reminded(db_engine, user) is None  # not sent: nothing took it
        await private_redis.start()

        async def sent() -> bool:
            return await _reminded(db_engine, user) is not None

        await eventually(sent, DEADLINE, "the reminder sent once Redis is back")


async def _subscribed(url: str, user: str) -> bool:
    return await numsub(url, user) == 1


async def _reminded(engine: AsyncEngine, user: str) -> object:
    found = await rows(engine, "SELECT reminded_at FROM tasks WHERE user_id = :u", u=user)
    return found[0][0] if found else None
