"""The bench's Redis: TEST_REDIS_URL's under a key prefix of its own (it may be shared), else
a private redis-server (tests/redis_server.py) that lives for the block."""

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import redis

from tests.redis_server import RestartableRedis


@asynccontextmanager
async def bench_redis(workdir: Path) -> AsyncIterator[dict[str, str]]:
    """The settings that point todo-chat at it (REDIS_URL, REDIS_KEY_PREFIX)."""
    prefix = f"todo-chat-bench-{secrets.token_hex(4)}:"
    configured = os.environ.get("TEST_REDIS_URL")
    if configured:
        yield {"REDIS_URL": configured, "REDIS_KEY_PREFIX": prefix}
        return
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    server = RestartableRedis(workdir)
    await server.start()
    try:
        yield {"REDIS_URL": server.url, "REDIS_KEY_PREFIX": prefix}
    finally:
        await server.stop()


def used_memory_kib(url: str) -> float:
    """redis-server's used_memory (INFO memory), in KiB."""
    client = redis.Redis.from_url(url)
    try:
        return float(client.info("memory")["used_memory"]) / 1024
    finally:
        client.close()
