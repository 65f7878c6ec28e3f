"""Two `todo-chat serve` processes, as two replicas behind a load balancer would be: one
PostgreSQL database, one Redis (a private server the tests may restart), one fake model
provider."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.backend.runs.helpers import RunsClient
from tests.processes import Served, fake_provider, serve_env, todo_chat_serve
from tests.redis_server import RestartableRedis
from tests.tokens import AuthHeaders

# Slow enough that a run is still answering while a test attaches to it or stops it.
# A client per replica carries every viewer's stream and the requests beside them: httpx's
# default pool (100 connections) would queue a storm's requests behind its open streams.
UNLIMITED = httpx.Limits(max_connections=None, max_keepalive_connections=20)
SLOW_MODEL = ("--ttft", "0.5", "--tps", "20", "--reply-words", "200")


@dataclass(frozen=True)
class Replicas:
    first: Served
    second: Served
    redis: RestartableRedis
    clients: tuple[RunsClient, RunsClient]


StartReplicas = Callable[..., AbstractAsyncContextManager[Replicas]]


@pytest.fixture
def start_replicas(
    database: str, private_redis: RestartableRedis, tmp_path: Path, auth: AuthHeaders
) -> StartReplicas:
    """`async with start_replicas(model_options, **env)`: both replicas on a fake provider
    started with `model_options`, `env` added to their settings."""

    @asynccontextmanager
    async def start(
        model_options: tuple[str, ...] = SLOW_MODEL, **extra_env: str
    ) -> AsyncIterator[Replicas]:
        async with fake_provider(tmp_path / "fake-openai.log", *model_options) as provider:
            env = serve_env(database, provider, tmp_path / "data")
            env.update(
                {"REDIS_URL": private_redis.url, "CHAT_REQUESTS_PER_MINUTE": "5", **extra_env}
            )
            async with (
                todo_chat_serve(env, cwd=tmp_path, log=tmp_path / "first.log") as first,
                todo_chat_serve(env, cwd=tmp_path, log=tmp_path / "second.log") as second,
                httpx.AsyncClient(base_url=first.url, timeout=60, limits=UNLIMITED) as first_http,
                httpx.AsyncClient(base_url=second.url, timeout=60, limits=UNLIMITED) as second_http,
            ):
                clients = (RunsClient(first_http, auth), RunsClient(second_http, auth))
                yield Replicas(first, second, private_redis, clients)

    return start


@pytest.fixture
async def replicas(start_replicas: StartReplicas) -> AsyncIterator[Replicas]:
    async with start_replicas() as started:
        yield started
