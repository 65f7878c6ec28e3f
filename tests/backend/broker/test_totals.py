"""Running totals that expire (a user's tokens today), on both brokers."""

import asyncio
import uuid

from backend.broker.base import Broker
from backend.broker.memory import MemoryBroker
from backend.broker.redis import RedisBroker


async def test_amounts_add_up_per_key(broker: Broker) -> None:
    assert await broker.total("alice") == 0
    assert await broker.add("alice", 120, 60) == 120
    assert await broker.add("alice", 30, 60) == 150
    assert await broker.add("bob", 7, 60) == 7
    assert await broker.total("alice") == 150


async def test_concurrent_amounts_are_none_lost(broker: Broker) -> None:
    await asyncio.gather(*(broker.add("alice", 10, 60) for _ in range(200)))
    assert await broker.total("alice") == 2000


async def test_a_total_expires_after_its_first_amount() -> None:
    now = [0.0]
    broker = MemoryBroker(clock=lambda: now[0])
    await broker.add("alice", 5, 10)
    now[0] = 9.0
    assert await broker.add("alice", 5, 10) == 10  # a later amount does not extend it
    now[0] = 10.0
    assert await broker.total("alice") == 0
    assert await broker.add("alice", 3, 10) == 3


async def test_two_processes_on_one_redis_share_a_total(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    first, second = RedisBroker(redis_url, prefix=prefix), RedisBroker(redis_url, prefix=prefix)
    try:
        await first.add("alice", 100, 60)
        await second.add("alice", 50, 60)
        assert await first.total("alice") == 150
    finally:
        await first.close()
        await second.close()
