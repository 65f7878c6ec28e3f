"""The broker of many processes: state in Redis (redis-py's asyncio client).

Every call fails fast (short socket timeouts) with `BrokerUnavailable` while Redis is slow or
gone; redis-py reconnects by itself on the next call, so recovery needs nothing from us.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from backend.broker.base import FeedEvent, LoggedEvent
from backend.errors import BrokerUnavailable

# Seconds: long enough for a loaded Redis on the same network, short enough that a request
# waiting on a dead one fails well before a client gives up.
SOCKET_TIMEOUT = 1.0

# A sliding window as a sorted set of event times (Redis's own clock, so replicas agree).
# Returns nil when admitted, else the seconds until the oldest event leaves the window.
_HIT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return false
"""


class RedisBroker:
    def __init__(self, url: str, *, prefix: str = "todo-chat:") -> None:
        self._redis = Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=5,
        )
        self._prefix = prefix
        self._hit = self._redis.register_script(_HIT)

    async def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        try:
            wait = await self._hit(
                keys=[f"{self._prefix}hits:{key}"],
                args=[window_seconds, limit, uuid.uuid4().hex],
            )
        except RedisError as error:
            raise BrokerUnavailable() from error
        return None if wait is None else float(wait)

    async def append(self, run: str, event: LoggedEvent) -> None:
        raise NotImplementedError  # next: Redis streams

    async def follow(self, run: str, after: int, idle_seconds: float) -> AsyncIterator[LoggedEvent]:
        raise NotImplementedError
        yield

    async def forget_after(self, run: str, seconds: float) -> None:
        raise NotImplementedError

    async def logged(self, run: str) -> bool:
        raise NotImplementedError

    async def request_stop(self, run: str) -> None:
        raise NotImplementedError

    async def wait_for_stop(self, run: str) -> None:
        raise NotImplementedError

    async def publish(self, user: str, event: FeedEvent) -> None:
        raise NotImplementedError

    @asynccontextmanager
    async def subscribe(self, user: str) -> AsyncIterator[AsyncIterator[FeedEvent]]:
        raise NotImplementedError
        yield

    async def ready(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False

    async def close(self) -> None:
        await self._redis.aclose()
