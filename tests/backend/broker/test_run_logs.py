"""A run's event log, stop requests and the live feed, on each broker."""

import asyncio
from collections.abc import AsyncIterator

from backend.broker.base import Broker, FeedEvent, LoggedEvent
from tests.polling import eventually

DEADLINE = 5.0


def event(seq: int) -> LoggedEvent:
    return LoggedEvent(seq, "delta", {"text": f"part {seq}"})


async def collect(events: AsyncIterator[LoggedEvent], count: int) -> list[int]:
    seen: list[int] = []
    async with asyncio.timeout(DEADLINE):
        async for logged in events:
            seen.append(logged.seq)
            if len(seen) == count:
                break
    return seen


async def test_a_follower_gets_what_was_logged_then_what_comes(broker: Broker) -> None:
    for seq in (1, 2):
        await broker.append("run-a", event(seq))
    follower = asyncio.create_task(collect(broker.follow("run-a", 0, DEADLINE), 4))
    for seq in (3, 4):
        await broker.append("run-a", event(seq))
    assert await follower == [1, 2, 3, 4]


async def test_following_after_a_seq_gives_exactly_the_rest(broker: Broker) -> None:
    for seq in range(1, 6):
        await broker.append("run-b", event(seq))
    assert await collect(broker.follow("run-b", 3, DEADLINE), 2) == [4, 5]


async def test_several_followers_each_get_every_event(broker: Broker) -> None:
    followers = [
        asyncio.create_task(collect(broker.follow("run-c", 0, DEADLINE), 3)) for _ in range(3)
    ]
    for seq in (1, 2, 3):
        await broker.append("run-c", event(seq))
    assert await asyncio.gather(*followers) == [[1, 2, 3]] * 3


async def test_follow_ends_when_nothing_comes_for_idle_seconds(broker: Broker) -> None:
    await broker.append("run-d", event(1))
    async with asyncio.timeout(DEADLINE):
        seen = [logged.seq async for logged in broker.follow("run-d", 0, 0.2)]
    assert seen == [1]


async def test_an_unknown_run_has_no_log(broker: Broker) -> None:
    assert not await broker.logged("run-unknown")
    async with asyncio.timeout(DEADLINE):
        assert [e async for e in broker.follow("run-unknown", 0, DEADLINE)] == []


async def test_a_forgotten_run_is_gone_after_its_time(broker: Broker) -> None:
    await broker.append("run-e", event(1))
    assert await broker.logged("run-e")
    await broker.forget_after("run-e", 0.2)

    async def gone() -> bool:
        return not await broker.logged("run-e")

    await eventually(gone, DEADLINE, "the run's log is dropped")


async def test_a_stop_reaches_the_waiting_owner(broker: Broker) -> None:
    waiting = asyncio.create_task(broker.wait_for_stop("run-f"))
    await asyncio.sleep(0)
    assert not waiting.done()
    await broker.request_stop("run-f")
    async with asyncio.timeout(DEADLINE):
        await waiting


async def test_a_stop_requested_before_waiting_is_not_lost(broker: Broker) -> None:
    await broker.request_stop("run-g")
    async with asyncio.timeout(DEADLINE):
        await broker.wait_for_stop("run-g")


async def test_the_feed_reaches_every_subscriber_of_that_user_only(broker: Broker) -> None:
    async with (
        broker.subscribe("alice") as first,
        broker.subscribe("alice") as second,
        broker.subscribe("bob") as bobs,
    ):
        await broker.publish("alice", FeedEvent("task", {"action": "created"}))
        await broker.publish("bob", FeedEvent("task", {"action": "deleted"}))
        async with asyncio.timeout(DEADLINE):
            assert (await anext(first)).data == {"action": "created"}
            assert (await anext(second)).data == {"action": "created"}
            assert (await anext(bobs)).data == {"action": "deleted"}
