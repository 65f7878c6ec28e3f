"""The sliding-window counter behind every per-user limit, on both brokers."""

import asyncio
import uuid

import pytest

from backend.broker.base import Broker
from backend.broker.memory import MemoryBroker
from backend.broker.redis import RedisBroker
from backend.http.errors import BrokerUnavailable


async def test_admits_up_to_the_limit_then_says_how_long_to_wait(broker: Broker) -> None:
    answers = [await broker.hit("alice", 3, 60) for _ in range(4)]
    assert answers[:3] == [None, None, None]
    assert answers[3] is not None
    assert 59 < answers[3] <= 60


async def test_keys_are_counted_apart(broker: Broker) -> None:
    assert await broker.hit("alice", 1, 60) is None
    assert await broker.hit("bob", 1, 60) is None
    assert await broker.hit("alice", 1, 60) is not None


async def test_more_hits_at_once_than_redis_connections_are_all_answered(broker: Broker) -> None:
    # redis-py's pool holds 100 connections; a burst beyond that (1,000 open streams do it)
    # must wait for one, not fail as though Redis were down.
    answers = await asyncio.gather(*(broker.hit(f"user-{n}", 1, 60) for n in range(300)))
    assert answers == [None] * 300


async def test_a_refused_hit_is_not_counted() -> None:
    now = [0.0]
    broker = MemoryBroker(clock=lambda: now[0])
    assert await broker.hit("alice", 1, 10) is None
    now[0] = 5.0
    assert await broker.hit("alice", 1, 10) == pytest.approx(5.0)
    now[0] = 10.5
    assert await broker.hit("alice", 1, 10) is None


async def test_two_redis_brokers_share_one_count(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    first, second = RedisBroker(redis_url, prefix=prefix), RedisBroker(redis_url, prefix=prefix)
    try:
        assert await first.hit("carol", 2, 60) is None
        assert await second.hit("carol", 2, 60) is None
        assert await first.hit("carol", 2, 60) is not None
    finally:
        await first.close()
        await second.close()


async def test_an_unreachable_redis_fails_fast_with_broker_unavailable() -> None:
    broker = RedisBroker("redis://127.0.0.1:1/0")
    try:
        assert not await broker.ready()
        with pytest.raises(BrokerUnavailable):
            await broker.hit("alice", 1, 60)
    finally:
        await broker.close()
