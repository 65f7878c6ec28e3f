import uuid
from collections.abc import AsyncIterator

import pytest

from backend.broker.base import Broker
from backend.broker.memory import MemoryBroker
from backend.broker.redis import RedisBroker


@pytest.fixture(params=["memory", "redis"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    """Each broker in turn; the Redis one under a key prefix of this test's own."""
    if request.param == "memory":
        memory = MemoryBroker()
        yield memory
        await memory.close()
        return
    url = request.getfixturevalue("redis_url")
    redis = RedisBroker(url, prefix=f"test-{uuid.uuid4().hex}:")
    yield redis
    await redis.close()
