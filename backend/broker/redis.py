"""The broker of many processes: state in Redis (redis-py's asyncio client).

Calls fail fast (short socket timeouts) with `BrokerUnavailable` while Redis is slow or gone;
redis-py reconnects by itself on the next call, and the background tasks retry, so recovery
needs nothing from anyone.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from backend.broker.base import FeedEvent, LoggedEvent
from backend.broker.redis_logs import READ_BLOCK_MS, RedisRunLogs
from backend.broker.redis_signals import RedisSignals
from backend.http.errors import BrokerUnavailable

# Seconds: long enough for a loaded Redis on the same network, short enough that a request
# waiting on a dead one fails well before a client gives up.
SOCKET_TIMEOUT = 1.0
# redis-py's default pool size. Its default pool fails a command at once when all are busy
# (a burst with 1,000 streams open does it); the blocking pool waits for one instead, up to
# SOCKET_TIMEOUT, so only a Redis that is really slow or gone answers `broker_unavailable`.
MAX_CONNECTIONS = 100

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

# A running total that expires `ttl` seconds after its first amount (one round trip, atomic).
_ADD = """
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return total
"""


class RedisBroker:
    def __init__(self, url: str, *, prefix: str = "todo-chat:") -> None:
        self._redis = _client(url, SOCKET_TIMEOUT)
        self._reader = _client(url, SOCKET_TIMEOUT + READ_BLOCK_MS / 1000)
        self._prefix = prefix
        self._hit = self._redis.register_script(_HIT)
        self._add = self._redis.register_script(_ADD)
        self._logs = RedisRunLogs(self._redis, self._reader, prefix)
        self._signals = RedisSignals(self._redis, prefix)
        self._started = False

    def _start(self) -> None:
        """The background tasks, on first use (they need the running loop)."""
        if not self._started:
            self._started = True
            self._logs.start()
            self._signals.start()

    async def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        try:
            wait = await self._hit(
                keys=[f"{self._prefix}hits:{key}"],
                args=[window_seconds, limit, uuid.uuid4().hex],
            )
        except RedisError as error:
            raise BrokerUnavailable() from error
        return None if wait is None else float(wait)

    async def add(self, key: str, amount: int, ttl_seconds: int) -> int:
        try:
            total = await self._add(
                keys=[f"{self._prefix}totals:{key}"], args=[amount, ttl_seconds]
            )
        except RedisError as error:
            raise BrokerUnavailable() from error
        return int(total)

    async def total(self, key: str) -> int:
        try:
            value = await self._redis.get(f"{self._prefix}totals:{key}")
        except RedisError as error:
            raise BrokerUnavailable() from error
        return int(value or 0)

    async def append(self, run: str, event: LoggedEvent) -> None:
        self._start()
        await self._logs.append(run, event)

    def follow(self, run: str, after: int, idle_seconds: float) -> AsyncIterator[LoggedEvent]:
        self._start()
        return self._logs.follow(run, after, idle_seconds)

    async def forget_after(self, run: str, seconds: float) -> None:
        await self._logs.forget_after(run, seconds)

    async def logged(self, run: str) -> bool:
        return await self._logs.logged(run)

    async def first_kept(self, run: str) -> int | None:
        return await self._logs.first_kept(run)

    async def request_stop(self, run: str) -> None:
        await self._signals.request_stop(run)

    async def wait_for_stop(self, run: str) -> None:
        self._start()
        await self._signals.wait_for_stop(run)

    async def publish(self, user: str, event: FeedEvent) -> None:
        await self._signals.publish(user, event)

    def subscribe(self, user: str) -> AbstractAsyncContextManager[AsyncIterator[FeedEvent]]:
        self._start()
        return self._signals.subscribe(user)

    async def ready(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False

    async def close(self) -> None:
        if self._started:
            await self._logs.close()
            await self._signals.close()
        await self._reader.aclose()
        await self._redis.aclose()


def _client(url: str, socket_timeout: float) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=SOCKET_TIMEOUT,
        socket_timeout=socket_timeout,
        socket_connect_timeout=SOCKET_TIMEOUT,
        health_check_interval=5,
    )
    return Redis.from_pool(pool)
