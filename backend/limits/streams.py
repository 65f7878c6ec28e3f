"""The per-user bound on open streams (STREAMS_PER_USER): live feeds and attaches, counted
across workers and replicas through the broker's stream slots (backend/broker/stream_slots.py).

A route takes a slot before it answers `200` (`429 too_many_open_streams` at the bound), and
the stream's frames give it back when the stream ends, however it ends. A response that never
starts streaming leaves a slot that lapses after the lease (60 s)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypeVar

import anyio

from backend.broker.stream_slots import RENEW_SECONDS, StreamSlots
from backend.http.errors import BrokerUnavailable, TooManyOpenStreams

T = TypeVar("T")
# How long giving a slot back may take when the stream ends (a lost one lapses anyway).
GIVE_BACK_SECONDS = 2.0


@dataclass(frozen=True)
class OpenStream:
    slots: StreamSlots
    user: str
    slot: str

    async def guard(self, frames: AsyncIterator[T]) -> AsyncIterator[T]:
        """`frames`, holding the slot while they last (renewed), given back at the end."""
        renewing = asyncio.create_task(self._renew())
        try:
            async for frame in frames:
                yield frame
        finally:
            renewing.cancel()
            aclose = getattr(frames, "aclose", None)
            if aclose is not None:
                await aclose()
            await self.give_back()

    async def give_back(self) -> None:
        """The slot, for a stream that ends (or never starts: nothing to attach to)."""
        with anyio.move_on_after(GIVE_BACK_SECONDS, shield=True):
            with contextlib.suppress(BrokerUnavailable):
                await self.slots.give_back(self.user, self.slot)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            with contextlib.suppress(BrokerUnavailable):
                await self.slots.renew(self.user, self.slot)


@dataclass(frozen=True)
class StreamLimit:
    slots: StreamSlots
    per_user: int

    async def open(self, user: str) -> OpenStream:
        """A slot for one more stream of `user`, or TooManyOpenStreams (429)."""
        slot = await self.slots.take(user, self.per_user)
        if slot is None:
            raise TooManyOpenStreams(self.per_user)
        return OpenStream(self.slots, user, slot)
