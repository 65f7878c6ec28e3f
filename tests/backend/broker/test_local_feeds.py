"""The feed queues both brokers deliver through: events in order to every subscription of
the user, none to anyone else, and a subscriber that falls behind loses the oldest."""

import asyncio

from backend.broker.base import FeedEvent
from backend.broker.local_feeds import FeedQueue, LocalFeeds


def event(n: int) -> FeedEvent:
    return FeedEvent("task.changed", {"n": n})


async def taken(queue: FeedQueue, count: int) -> list[int]:
    events = queue.events()
    return [(await anext(events)).data["n"] for _ in range(count)]


async def test_a_full_queue_drops_its_oldest_events_and_never_waits() -> None:
    queue = FeedQueue(size=3)
    for n in range(1, 6):
        queue.put(event(n))
    assert await taken(queue, 3) == [3, 4, 5]


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
