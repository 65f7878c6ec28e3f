"""The feed queues both brokers deliver through: events in order to every subscription of
the user, none to anyone else, and a subscriber that may have missed one is told at once."""

import asyncio

import pytest

from backend.broker.base import FeedEvent, FeedMissed
from backend.broker.local_feeds import FeedQueue, LocalFeeds


def event(n: int) -> FeedEvent:
    return FeedEvent("task.changed", {"n": n})


async def taken(queue: FeedQueue, count: int) -> list[int]:
    events = queue.events()
    return [(await anext(events)).data["n"] for _ in range(count)]


async def test_a_subscriber_that_falls_behind_is_told_at_once_and_never_waited_for() -> None:
    queue = FeedQueue(size=3)
    for n in range(1, 6):
        queue.put(event(n))  # never waits
    with pytest.raises(FeedMissed) as missed:
        await taken(queue, 1)
    assert missed.value.reason == "behind"


async def test_a_waiting_subscriber_is_woken_when_the_broker_may_have_lost_events() -> None:
    feeds = LocalFeeds()
    alice, bob = feeds.add("alice"), feeds.add("bob")
    waiting = asyncio.create_task(taken(alice, 1))
    await asyncio.sleep(0)
    feeds.missed("alice")
    with pytest.raises(FeedMissed):
        await asyncio.wait_for(waiting, 1)
    feeds.deliver("bob", event(1))
    assert await taken(bob, 1) == [1]  # only alice's feeds were told
    feeds.missed()
    with pytest.raises(FeedMissed):
        await taken(bob, 1)


async def test_every_subscription_of_the_user_gets_each_event_and_nobody_else() -> None:
    feeds = LocalFeeds()
    first, second, other = feeds.add("alice"), feeds.add("alice"), feeds.add("bob")
    feeds.deliver("alice", event(1))
    feeds.deliver("alice", event(2))
    assert (feeds.subscribers("alice"), feeds.subscribers("bob")) == (2, 1)
    assert await taken(first, 2) == [1, 2]
    assert await taken(second, 2) == [1, 2]
    waiting = asyncio.create_task(taken(other, 1))
    await asyncio.sleep(0)
    assert not waiting.done()
    waiting.cancel()


async def test_a_removed_subscription_gets_nothing_more() -> None:
    feeds = LocalFeeds()
    queue = feeds.add("alice")
    feeds.remove("alice", queue)
    feeds.deliver("alice", event(1))
    feeds.remove("alice", queue)  # twice is harmless
    assert feeds.subscribers("alice") == 0
    waiting = asyncio.create_task(taken(queue, 1))
    await asyncio.sleep(0)
    assert not waiting.done()
    waiting.cancel()
