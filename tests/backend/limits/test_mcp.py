"""The per-user tool call limit, on the in-memory broker and shared through Redis."""

import uuid

from backend.broker.memory import MemoryBroker
from backend.broker.redis import RedisBroker
from backend.limits.mcp import CallLimit


async def test_admits_up_to_the_limit_per_user_then_says_how_long_to_wait() -> None:
    limit = CallLimit(MemoryBroker(clock=lambda: 1000.0), per_minute=2)  # time stands still
    assert await limit.refusal("alice") is None
    assert await limit.refusal("alice") is None
    assert await limit.refusal("bob") is None
    assert await limit.refusal("alice") == (
        "Too many tool calls: at most 2 a minute. Retry in 60 seconds."
    )


async def test_replicas_share_one_count_in_redis(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex}:"
    first, second = RedisBroker(redis_url, prefix=prefix), RedisBroker(redis_url, prefix=prefix)
    try:
        one, other = CallLimit(first, per_minute=2), CallLimit(second, per_minute=2)
        assert await one.refusal("alice") is None
        assert await other.refusal("alice") is None
        refused = await one.refusal("alice")
        assert refused is not None
        assert refused.startswith("Too many tool calls")
    finally:
        await first.close()
        await second.close()


async def test_an_unreachable_redis_is_a_readable_refusal() -> None:
    broker = RedisBroker("redis://127.0.0.1:1/0")
    try:
        refused = await CallLimit(broker, per_minute=60).refusal("alice")
    finally:
        await broker.close()
    assert refused == "Tool calls cannot be counted right now; please retry shortly."
