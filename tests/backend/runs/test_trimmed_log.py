"""An attach on a replica that does not own the run, when the run's Redis log no longer
starts at event 1 (trimmed past STREAM_MAXLEN, or rewritten from where the owner resumed after
Redis lost it): served from the first kept event, never a busy loop."""

import asyncio
import uuid
from typing import Any

from redis.asyncio import Redis

from backend.broker.base import LoggedEvent
from backend.broker.redis import RedisBroker
from backend.conversations import wire
from backend.runs import viewer
from backend.runs.ref import RunRef
from tests.polling import eventually

DEADLINE = 10.0


def delta(seq: int) -> LoggedEvent:
    return LoggedEvent(seq, "delta", {"text": f"{seq} "})


class TwoReplicas:
    """The run's owner and another replica, each with its own broker on one Redis."""

    def __init__(self, url: str) -> None:
        self.prefix = f"test-{uuid.uuid4().hex}:"
        self.owner = RedisBroker(url, prefix=self.prefix)
        self.other = RedisBroker(url, prefix=self.prefix)
        self.redis = Redis.from_url(url)
        self.ref = RunRef("alice", 1, uuid.uuid4())
        self.key = f"{self.prefix}run:{self.ref.key}"
        self.alive_checks = 0

    async def alive(self, _: RunRef) -> bool:
        self.alive_checks += 1
        return True

    async def write(self, seqs: range) -> None:
        for seq in seqs:
            await self.owner.append(self.ref.key, delta(seq))

        async def copied() -> bool:
            last: Any = await self.redis.xrevrange(self.key, count=1)
            return bool(last) and last[0][0] == f"0-{seqs[-1]}".encode()

        await eventually(copied, DEADLINE, "the owner's events copied to Redis")

    async def close(self) -> None:
        await self.owner.close()
        await self.other.close()
        await self.redis.aclose()


async def attach_from_the_start(replicas: TwoReplicas, count: int) -> list[int]:
    """What a reloaded page gets on the other replica: an attach without Last-Event-ID. The
    ids it is served, after the one event (without an id) that says what was skipped."""
    seen: list[int] = []
    events = viewer.follow(replicas.other, replicas.ref, replicas.alive, 0)
    async with asyncio.timeout(DEADLINE):
        event_id, skipped = await anext(events)
        assert event_id is None
        assert isinstance(skipped, wire.Skipped)
        async for event_id, _ in events:
            assert seen or skipped.last == parsed_seq(event_id) - 1
            parsed = wire.parse_event_id(event_id)
            assert parsed is not None
            seen.append(parsed[1])
            if len(seen) == count:
                break
    return seen


def parsed_seq(event_id: str | None) -> int:
    parsed = wire.parse_event_id(event_id)
    assert parsed is not None
    return parsed[1]


async def test_a_trimmed_log_is_served_from_its_first_kept_event(redis_url: str) -> None:
    replicas = TwoReplicas(redis_url)
    try:
        await replicas.write(range(1, 41))
        await replicas.redis.xtrim(
            replicas.key, minid="0-21", approximate=False
        )  # as MAXLEN trims a long log
        assert await attach_from_the_start(replicas, 3) == [21, 22, 23]
        assert replicas.alive_checks <= 1  # no round after round on an empty read
    finally:
        await replicas.close()


async def test_a_log_rewritten_after_a_redis_restart_is_served_from_where_it_starts(
    redis_url: str,
) -> None:
    replicas = TwoReplicas(redis_url)
    try:
        await replicas.write(range(1, 32))
        await replicas.redis.delete(replicas.key)  # Redis lost the log (a restart)
        await replicas.write(range(32, 36))  # the owner carries on from where it was
        following = asyncio.create_task(attach_from_the_start(replicas, 5))
        await replicas.write(range(36, 37))
        assert await following == [32, 33, 34, 35, 36]
        assert replicas.alive_checks <= 1
    finally:
        await replicas.close()
