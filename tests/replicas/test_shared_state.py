"""What two replicas share through Redis: the live feed and the per-user limits."""

import asyncio

import httpx

from tests.backend.support import assert_error
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


async def test_the_chat_limit_is_counted_across_replicas(replicas: Replicas) -> None:
    """CHAT_REQUESTS_PER_MINUTE=5 for the user, whichever replica takes the message."""
    first, second = replicas.clients
    for client in (first, second, first, second, first):
        viewer = client.chat("hello", user="bob")
        await viewer.until(1, "conversation")
        assert viewer.status == 200
        await viewer.leave()  # the run goes on; the message was counted
    body = {"message": "hi", "conversation_id": None}
    refused = await second.http.post("/api/bob/chat", json=body, headers=second.auth("bob"))
    assert_error(refused, 429, "rate_limited")
    assert int(refused.headers["retry-after"]) > 0
