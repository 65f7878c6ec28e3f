"""Run event logs in Redis streams: written by the owning process, followed from any.

The owner appends to a `RunLog` in its own memory first, so its own viewers (the request
that started the run, as a rule) never wait on Redis; one writer task per process copies
each run's new events into the run's stream, in order and without gaps, retrying while Redis
is away. A follower on another process reads the stream into a local mirror that one reader
task per process keeps current with a single blocking XREAD over every followed run.

Stream entry ids are `0-<seq>`, so "the events after seq N" is the XREAD/XRANGE position
`0-N` and a duplicate write is refused by Redis itself.
"""

import asyncio
import json
import logging
import math
import uuid
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from backend.broker.background import cancelled
from backend.broker.base import LoggedEvent
from backend.broker.run_log import RunLog
from backend.http.errors import BrokerUnavailable

log = logging.getLogger(__name__)

# A run's stream holds at most about this many events (a long answer is a few hundred).
STREAM_MAXLEN = 10_000
# How long a log lives when its owner never said the run ended (the owner died).
UNENDED_SECONDS = 3600
# The reader's XREAD blocks this long, then goes round again (milliseconds).
READ_BLOCK_MS = 2_000
RETRY_SECONDS = 0.25


class RedisRunLogs:
    def __init__(self, redis: Redis, reader: Redis, prefix: str) -> None:
        self._redis = redis
        self._reader_redis = reader  # its own connection: it blocks in XREAD
        self._prefix = prefix
        self._owned: dict[str, RunLog] = {}
        self._written: dict[str, int] = {}  # owned run -> last seq copied to Redis
        self._forget: dict[str, float] = {}  # owned run -> keep-seconds, once ended
        self._dirty = asyncio.Event()
        self._mirrors: dict[str, RunLog] = {}
        self._mirror_users: dict[str, int] = {}
        self._wake_key = f"{prefix}wake:{uuid.uuid4().hex}"
        # The last wake-up the reader saw: one sent while it was not blocked (between two
        # reads) still ends its next read at once, which "$" would miss.
        self._wake_seen: bytes | str = "0-0"
        self._tasks: list[asyncio.Task[None]] = []

    def _key(self, run: str) -> str:
        return f"{self._prefix}run:{run}"

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._write_forever(), name="redis run-log writer"),
            asyncio.create_task(self._read_forever(), name="redis run-log reader"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            await cancelled(task)

    # ---- the owner's side -------------------------------------------------------------------

    async def append(self, run: str, event: LoggedEvent) -> None:
        # A log this process did not start (a server taking over a lost run appends its
        # final event) begins where the dead owner's ended.
        self._owned.setdefault(run, RunLog(base=event.seq - 1)).add(event)
        self._dirty.set()

    async def forget_after(self, run: str, seconds: float) -> None:
        owned = self._owned.get(run)
        if owned is None:
            return
        self._forget[run] = seconds
        self._dirty.set()
        asyncio.get_running_loop().call_later(seconds, self._drop_owned, run)

    def _drop_owned(self, run: str) -> None:
        self._written.pop(run, None)
        owned = self._owned.pop(run, None)
        if owned is not None:
            owned.close()

    async def _write_forever(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self._write_pending()
            except RedisError as error:
                log.warning("run events not yet copied to Redis: %s", type(error).__name__)
                self._dirty.set()
                await asyncio.sleep(RETRY_SECONDS)

    async def _write_pending(self) -> None:
        pipe = self._redis.pipeline(transaction=False)
        planned: dict[str, int] = {}
        for run, owned in list(self._owned.items()):
            written = self._written.get(run, owned.base)
            pending = owned.events[written - owned.base :]
            for event in pending:
                pipe.xadd(
                    self._key(run),
                    {"n": event.name, "d": json.dumps(event.data)},
                    id=f"0-{event.seq}",
                    maxlen=STREAM_MAXLEN,
                    approximate=True,
                )
            keep = self._forget.get(run)
            if pending or keep is not None:
                seconds = UNENDED_SECONDS if keep is None else max(1, math.ceil(keep))
                pipe.expire(self._key(run), seconds)
                planned[run] = owned.last_seq
        if not planned:
            return
        for result in await pipe.execute(raise_on_error=False):
            # A write retried after its first attempt landed: Redis refuses the same id.
            if isinstance(result, RedisError) and not _already_written(result):
                raise result
        self._written.update(planned)
        for run in planned:
            self._forget.pop(run, None)

    # ---- any process's side -----------------------------------------------------------------

    async def follow(self, run: str, after: int, idle_seconds: float) -> AsyncIterator[LoggedEvent]:
        owned = self._owned.get(run)
        if owned is not None:
            if owned.covers(after):
                async for event in owned.follow(after, idle_seconds):
                    yield event
            return
        mirror = await self._mirror(run)
        if mirror is None:
            return
        try:
            if mirror.covers(after):
                async for event in mirror.follow(after, idle_seconds):
                    yield event
        finally:
            self._release_mirror(run)

    async def logged(self, run: str) -> bool:
        if run in self._owned or run in self._mirrors:
            return True
        try:
            return bool(await self._redis.exists(self._key(run)))
        except RedisError as error:
            raise BrokerUnavailable() from error

    async def first_kept(self, run: str) -> int | None:
        held = self._owned.get(run) or self._mirrors.get(run)
        if held is not None and held.events:
            return held.base + 1
        try:
            entries: Any = await self._redis.xrange(self._key(run), count=1)
        except RedisError as error:
            raise BrokerUnavailable() from error
        return _seq(entries[0][0]) if entries else None

    async def _mirror(self, run: str) -> RunLog | None:
        mirror = self._mirrors.get(run)
        if mirror is None:
            try:
                entries: Any = await self._redis.xrange(self._key(run))
            except RedisError as error:
                raise BrokerUnavailable() from error
            raced = self._mirrors.get(run)  # another follower may have won the race
            if raced is not None:
                mirror = raced
            else:
                if not entries:
                    return None
                mirror = RunLog(base=_seq(entries[0][0]) - 1)
                for entry_id, fields in entries:
                    mirror.add(_event(entry_id, fields))
                self._mirrors[run] = mirror
                await self._wake_reader()
        self._mirror_users[run] = self._mirror_users.get(run, 0) + 1
        return mirror

    def _release_mirror(self, run: str) -> None:
        left = self._mirror_users.get(run, 1) - 1
        if left > 0:
            self._mirror_users[run] = left
            return
        self._mirror_users.pop(run, None)
        mirror = self._mirrors.pop(run, None)
        if mirror is not None:
            mirror.close()

    async def _wake_reader(self) -> None:
        try:
            await self._redis.xadd(self._wake_key, {"w": "1"}, maxlen=1)
            await self._redis.expire(self._wake_key, UNENDED_SECONDS)
        except RedisError:
            pass  # the reader comes round within READ_BLOCK_MS anyway

    async def _read_forever(self) -> None:
        while True:
            try:
                await self._read_once()
            except RedisError as error:
                log.warning("run events not readable from Redis: %s", type(error).__name__)
                await asyncio.sleep(RETRY_SECONDS)

    async def _read_once(self) -> None:
        positions: dict[Any, Any] = {self._wake_key: self._wake_seen}
        for run, mirror in self._mirrors.items():
            positions[self._key(run)] = f"0-{mirror.last_seq}"
        replies: Any = await self._reader_redis.xread(positions, block=READ_BLOCK_MS)
        for key, entries in replies or []:
            if entries and _text(key) == self._wake_key:
                self._wake_seen = entries[-1][0]
                continue
            followed = _run_of(key, self._prefix)
            target = None if followed is None else self._mirrors.get(followed)
            if target is None:
                continue
            for entry_id, fields in entries:
                if not target.add(_event(entry_id, fields)):
                    target.close()  # a gap cannot be served; followers end and decide
                    break


def _already_written(error: RedisError) -> bool:
    return isinstance(error, ResponseError) and "equal or smaller" in str(error)


def _seq(entry_id: bytes | str) -> int:
    return int(_text(entry_id).split("-", 1)[1])


def _event(entry_id: bytes | str, fields: dict[Any, Any]) -> LoggedEvent:
    name, data = fields[b"n"], fields[b"d"]
    return LoggedEvent(_seq(entry_id), name.decode(), json.loads(data))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _run_of(key: bytes | str, prefix: str) -> str | None:
    text = _text(key)
    marker = f"{prefix}run:"
    return text[len(marker) :] if text.startswith(marker) else None
