"""What two replicas share through Redis."""

import asyncio

import httpx

from tests.replicas.conftest import Replicas
from tests.sse import read_events
from tests.tokens import TokenFactory

DEADLINE = 10.0


async def test_a_feed_on_one_replica_sees_a_change_made_through_the_other(
    replicas: Replicas, make_token: TokenFactory
) -> None:
    headers = {"Authorization": f"Bearer {make_token('alice')}"}
    async with (
        httpx.AsyncClient(base_url=replicas.first.url, timeout=DEADLINE) as first,
        httpx.AsyncClient(base_url=replicas.second.url, timeout=DEADLINE) as second,
        first.stream("GET", "/api/alice/events", headers=headers) as feed,
    ):
        assert feed.status_code == 200
        created = await second.post("/api/alice/tasks", json={"title": "Call mom"}, headers=headers)
        assert created.status_code == 201
        async with asyncio.timeout(DEADLINE):
            event = await anext(read_events(feed))
        assert event.name == "task"
        assert event.data == {"action": "created", "task": created.json()}
