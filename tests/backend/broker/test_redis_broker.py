"""The Redis broker across processes (two brokers on one Redis stand for two replicas), and
through a Redis restart."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from backend.broker.base import FeedEvent
from backend.broker.redis import RedisBroker
from backend.broker.redis_logs import READ_BLOCK_MS
from backend.http.errors import BrokerUnavailable
from tests.backend.broker.test_run_logs import DEADLINE, collect, event
from tests.polling import eventually
from tests.redis_server import RestartableRedis


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[RedisBroker, RedisBroker]]:
    prefix = f"test-{uuid.uuid4().hex}:"
    owner, viewer = RedisBroker(redis_url, prefix=prefix), RedisBroker(redis_url, prefix=prefix)
    yield owner, viewer
    await owner.close()
    await viewer.close()


async def test_a_run_is_followed_from_another_replica(
    replicas: tuple[RedisBroker, RedisBroker],
) -> None:
    owner, viewer = replicas
    for seq in (1, 2):
        await owner.append("run-1", event(seq))

    async def copied() -> bool:
        return await viewer.logged("run-1")

    await eventually(copied, DEADLINE, "the log reaches Redis")
    follower = asyncio.create_task(collect(viewer.follow("run-1", 1, DEADLINE), 3))
    for seq in (3, 4):
        await owner.append("run-1", event(seq))
    assert await follower == [2, 3, 4]


async def test_a_follow_right_after_another_gets_live_events_without_a_polling_delay(
    replicas: tuple[RedisBroker, RedisBroker],
) -> None:
    """A follower that comes and goes (a resume checks the last event it saw, then follows)
    must not leave the next one waiting for the reader's blocking read to time out."""
    owner, viewer = replicas
    await owner.append("run-w", event(1))

    async def copied() -> bool:
        return await viewer.logged("run-w")

    await eventually(copied, DEADLINE, "the log reaches Redis")
    assert await collect(viewer.follow("run-w", 0, 0.0), 1) == [1]
    follower = asyncio.create_task(collect(viewer.follow("run-w", 1, DEADLINE), 1))
    await asyncio.sleep(0.1)
    await owner.append("run-w", event(2))
    async with asyncio.timeout(READ_BLOCK_MS / 1000 / 2):
        assert await follower == [2]


async def test_a_stop_requested_on_one_replica_reaches_the_owner_on_another(
    replicas: tuple[RedisBroker, RedisBroker],
) -> None:
    owner, other = replicas
    waiting = asyncio.create_task(owner.wait_for_stop("run-2"))
    await asyncio.sleep(0.1)
    await other.request_stop("run-2")
    async with asyncio.timeout(2):
        await waiting


async def test_the_feed_crosses_replicas(replicas: tuple[RedisBroker, RedisBroker]) -> None:
    publisher, subscriber = replicas
    async with subscriber.subscribe("alice") as feed:
        await publisher.publish("alice", FeedEvent("task", {"action": "updated"}))
        async with asyncio.timeout(DEADLINE):
            assert (await anext(feed)).data == {"action": "updated"}


async def test_redis_restarted_under_a_run_loses_no_event_and_recovers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = RestartableRedis(tmp_path_factory.mktemp("restart"))
    await server.start()
    owner = RedisBroker(server.url, prefix="restart:")
    viewer = RedisBroker(server.url, prefix="restart:")
    try:
        await owner.append("run-3", event(1))
        await server.stop()
        await owner.append("run-3", event(2))  # kept by the owner, copied once Redis is back
        with pytest.raises(BrokerUnavailable):
            await viewer.hit("alice", 1, 60)
        assert not await viewer.ready()
        await server.start()
        await eventually(viewer.ready, 5, "ready again")
        await owner.append("run-3", event(3))

        async def all_copied() -> bool:
            return (
                await viewer.logged("run-3")
                and len(await collect(viewer.follow("run-3", 0, 0.2), 3)) == 3
            )

        await eventually(all_copied, 5, "every event in Redis, in order")
        assert await viewer.hit("alice", 1, 60) is None
    finally:
        await owner.close()
        await viewer.close()
        await server.stop()
