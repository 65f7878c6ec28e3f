"""Two `todo-chat serve` processes, as two replicas behind a load balancer would be: one
PostgreSQL database, one Redis (a private server the tests may restart), one slow fake model
provider."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import Served, fake_provider, serve_env, todo_chat_serve
from tests.redis_server import RestartableRedis

# Slow enough that a run is still answering while a test attaches to it or stops it.
MODEL_OPTIONS = ("--ttft", "0.5", "--tps", "20", "--reply-words", "60")


@dataclass(frozen=True)
class Replicas:
    first: Served
    second: Served
    redis: RestartableRedis


@pytest.fixture
async def redis(tmp_path: Path) -> AsyncIterator[RestartableRedis]:
    server = RestartableRedis(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def replicas(
    database: str, redis: RestartableRedis, tmp_path: Path
) -> AsyncIterator[Replicas]:
    async with fake_provider(tmp_path / "fake-openai.log", *MODEL_OPTIONS) as provider:
        env = serve_env(database, provider, tmp_path / "data")
        env.update(REDIS_URL=redis.url, CHAT_REQUESTS_PER_MINUTE="5")
        async with (
            todo_chat_serve(env, cwd=tmp_path, log=tmp_path / "first.log") as first,
            todo_chat_serve(env, cwd=tmp_path, log=tmp_path / "second.log") as second,
        ):
            yield Replicas(first, second, redis)
