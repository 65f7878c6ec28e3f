"""Each user's open streams (live feeds, attaches), counted across every worker and replica.

A stream holds a slot while it is open. A slot is a lease: the stream renews it while it
lives and gives it back when it ends; a process that dies mid-stream leaves slots that lapse
after LEASE_SECONDS, so a crash never locks a user out for good. In Redis a user's slots are
one sorted set (slot id -> lease end, on Redis's clock so replicas agree); in one process, a
dict. Calls to Redis raise `BrokerUnavailable` like the broker's.
"""

import time
import uuid
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from backend.http.errors import BrokerUnavailable

LEASE_SECONDS = 60.0
RENEW_SECONDS = 20.0

# Drop lapsed leases, then take one if fewer than the limit are held. 1 taken, 0 refused.
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 2000))
return 1
"""
_RENEW = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1]) * 2000))
return 1
"""


class StreamSlots(Protocol):
    async def take(self, user: str, limit: int) -> str | None:
        """A new slot's id, or None when `user` holds `limit` already."""
        ...

    async def renew(self, user: str, slot: str) -> None: ...

    async def give_back(self, user: str, slot: str) -> None: ...

    async def close(self) -> None: ...


class MemoryStreamSlots:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._held: dict[str, dict[str, float]] = {}

    async def take(self, user: str, limit: int) -> str | None:
        now = self._clock()
        held = self._held.setdefault(user, {})
        for slot in [slot for slot, until in held.items() if until <= now]:
            del held[slot]
        if len(held) >= limit:
            return None
        slot = uuid.uuid4().hex
        held[slot] = now + LEASE_SECONDS
        return slot

    async def renew(self, user: str, slot: str) -> None:
        held = self._held.get(user, {})
        if slot in held:
            held[slot] = self._clock() + LEASE_SECONDS

    async def give_back(self, user: str, slot: str) -> None:
        held = self._held.get(user)
        if held is not None:
            held.pop(slot, None)
            if not held:
                del self._held[user]

    async def close(self) -> None:
        pass


class RedisStreamSlots:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._take = redis.register_script(_TAKE)
        self._renew = redis.register_script(_RENEW)

    def _key(self, user: str) -> str:
        return f"{self._prefix}streams:{user}"

    async def take(self, user: str, limit: int) -> str | None:
        slot = uuid.uuid4().hex
        try:
            taken = await self._take(keys=[self._key(user)], args=[limit, LEASE_SECONDS, slot])
        except RedisError as error:
            raise BrokerUnavailable() from error
        return slot if taken else None

    async def renew(self, user: str, slot: str) -> None:
        try:
            await self._renew(keys=[self._key(user)], args=[LEASE_SECONDS, slot])
        except RedisError as error:
            raise BrokerUnavailable() from error

    async def give_back(self, user: str, slot: str) -> None:
        try:
            await self._redis.zrem(self._key(user), slot)
        except RedisError as error:
            raise BrokerUnavailable() from error

    async def close(self) -> None:
        await self._redis.aclose()


def build_stream_slots(redis_url: str | None, key_prefix: str) -> StreamSlots:
    if not redis_url:
        return MemoryStreamSlots()
    redis = Redis.from_url(redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
    return RedisStreamSlots(redis, key_prefix)
