"""Stop requests and the per-user feed over Redis pub/sub, one subscriber connection per
process that fans messages out to the waiters and feeds of this process.

A stop is also written as a key, so an owner that starts waiting just after the request
(or whose subscription was down for a moment) still sees it.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import Connection
from redis.exceptions import RedisError

from backend.broker.background import cancelled
from backend.broker.base import FeedEvent
from backend.broker.local_feeds import LocalFeeds
from backend.http.errors import BrokerUnavailable

log = logging.getLogger(__name__)

STOP_KEEP_SECONDS = 3600
RETRY_SECONDS = 0.25
# Waiting owners also look for their stop key this often (seconds), in case a published
# request was missed while the subscription was reconnecting.
STOP_RECHECK_SECONDS = 1.5


class RedisSignals:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._pubsub: PubSub = redis.pubsub(ignore_subscribe_messages=True)
        self._stop_channel = f"{prefix}stops"
        self._stops: dict[str, asyncio.Event] = {}
        self._feeds = LocalFeeds()
        self._listener: asyncio.Task[None] | None = None
        # redis-py's PubSub connects on its first command: two at once would each open a
        # connection, and the listener would read the one the other did not subscribe on.
        self._commands = asyncio.Lock()
        # The subscriber connection we watch for reconnections (redis-py reconnects and
        # resubscribes by itself, silently: whatever was published meanwhile is lost).
        self._watched: Connection | None = None
        # A feed channel may be subscribed with no feed left here (an unsubscribe that failed
        # while Redis was away; redis-py subscribes again to every channel it still lists).
        self._orphans = False

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen_forever(), name="redis signals")

    async def close(self) -> None:
        if self._listener is not None:
            await cancelled(self._listener)
        await self._pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]  # typed from redis 7

    # ---- stops ------------------------------------------------------------------------------

    def _stop_key(self, run: str) -> str:
        return f"{self._prefix}stop:{run}"

    async def request_stop(self, run: str) -> None:
        local = self._stops.get(run)
        if local is not None:
            local.set()  # the owner is here: no round trip needed
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.set(self._stop_key(run), 1, ex=STOP_KEEP_SECONDS)
            pipe.publish(self._stop_channel, run)
            await pipe.execute()
        except RedisError as error:
            if local is None:
                raise BrokerUnavailable() from error

    async def wait_for_stop(self, run: str) -> None:
        """A published request sets this process's event at once; the key also catches one
        made just before we began waiting, or while the subscription was down."""
        stopped = self._stops.setdefault(run, asyncio.Event())
        try:
            while not await self._stop_key_set(run):
                # asyncio.timeout, not wait_for (see RunLog.follow: 3.11 loses cancellations).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(STOP_RECHECK_SECONDS):
                        await stopped.wait()
                if stopped.is_set():
                    return
        finally:
            self._stops.pop(run, None)

    async def _stop_key_set(self, run: str) -> bool:
        try:
            return bool(await self._redis.exists(self._stop_key(run)))
        except RedisError:
            return False

    # ---- the feed ---------------------------------------------------------------------------

    def _feed_channel(self, user: str) -> str:
        return f"{self._prefix}feed:{user}"

    async def publish(self, user: str, event: FeedEvent) -> None:
        message = json.dumps({"name": event.name, "data": event.data})
        try:
            await self._redis.publish(self._feed_channel(user), message)
        except RedisError as error:
            self._feeds.missed(user)  # this process's feeds of the user lack it too
            raise BrokerUnavailable() from error

    @asynccontextmanager
    async def subscribe(self, user: str) -> AsyncIterator[AsyncIterator[FeedEvent]]:
        queue = self._feeds.add(user, listening=False)
        try:
            if self._feeds.subscribers(user) == 1:
                try:
                    async with self._commands:
                        await self._pubsub.subscribe(self._feed_channel(user))
                except RedisError as error:
                    raise BrokerUnavailable() from error
            queue.listening = True
            yield queue.events()
        finally:
            self._feeds.remove(user, queue)
            if not self._feeds.subscribers(user):
                try:
                    async with self._commands:
                        await self._pubsub.unsubscribe(self._feed_channel(user))
                except RedisError:
                    self._orphans = True  # unsubscribed by the listener once Redis is back

    # ---- the one subscriber -----------------------------------------------------------------

    async def _listen_forever(self) -> None:
        while True:
            try:
                if self._stop_channel.encode() not in self._pubsub.channels:
                    async with self._commands:
                        await self._pubsub.subscribe(self._stop_channel)
                self._watch_reconnections()
                if self._orphans:
                    await self._drop_orphans()
                message = await self._pubsub.get_message(timeout=1.0)
            except RedisError as error:
                log.warning("Redis subscription interrupted: %s", type(error).__name__)
                self._interrupted()
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if message is not None and message.get("type") == "message":
                self._dispatch(message)

    def _watch_reconnections(self) -> None:
        connection = self._pubsub.connection
        if connection is not None and connection is not self._watched:
            # Called on every connection after this one, i.e. on each reconnection.
            connection.register_connect_callback(self._reconnected)
            self._watched = connection

    async def _reconnected(self, _: Connection) -> None:
        log.warning("Redis subscription reconnected: feeds may have missed events")
        self._interrupted()

    def _interrupted(self) -> None:
        """Events may have been published while we were not subscribed: every open feed
        says so now, and channels left meanwhile are dropped once Redis answers."""
        self._feeds.missed()
        self._orphans = True

    async def _drop_orphans(self) -> None:
        async with self._commands:
            prefix = f"{self._prefix}feed:"
            orphans = [
                channel
                for channel in map(_text, self._pubsub.channels)
                if channel.startswith(prefix)
                and not self._feeds.subscribers(channel.removeprefix(prefix))
            ]
            if orphans:
                await self._pubsub.unsubscribe(*orphans)
            self._orphans = False

    def _dispatch(self, message: dict[str, Any]) -> None:
        channel = _text(message["channel"])
        if channel == self._stop_channel:
            waiting = self._stops.get(_text(message["data"]))
            if waiting is not None:
                waiting.set()
            return
        user = channel.removeprefix(f"{self._prefix}feed:")
        payload = json.loads(message["data"])
        self._feeds.deliver(user, FeedEvent(payload["name"], payload["data"]))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
