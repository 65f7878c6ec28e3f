"""One liveness beat per server process for all its runs, and taking over a dead one's runs.

A process inserts its `servers` row when it starts and refreshes `beat_at` every
BEAT_SECONDS from one task, on a connection of its own (a pool full of busy runs must not
delay the beat). Every claim names the server running it. On each beat a server also looks
for claims whose server has not beaten for DEAD_AFTER_SECONDS (or has no row: it shut down)
and takes those runs over (backend/runs/takeover.py). A server that shuts down deletes its
row, so what it leaves is taken over at the next beat of another.

Detection bound: a server killed right after a beat is found dead DEAD_AFTER_SECONDS later,
by a beat that comes at most BEAT_SECONDS after that.
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import Interval, bindparam, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.broker.base import Broker
from backend.db.engine import SessionMaker
from backend.db.models import conversations as _conv
from backend.db.models import servers as _servers
from backend.runs.ref import RunRef
from backend.runs.takeover import LostRun, take_over

log = logging.getLogger(__name__)

BEAT_SECONDS = 2.0
DEAD_AFTER_SECONDS = 8.0
# Lost runs taken over per beat (one short transaction each); more wait for the next beat.
TAKEOVERS_PER_BEAT = 100

_DEAD_AFTER = bindparam("dead_after", type_=Interval())
_ME = bindparam("me", type_=_servers.c.id.type)
_BEATING = exists().where(
    _servers.c.id == _conv.c.active_run_server, _servers.c.beat_at >= func.now() - _DEAD_AFTER
)
_LOST_CLAIMS = (
    select(_conv.c.pk, _conv.c.user_id, _conv.c.number, _conv.c.active_run_id)
    .where(
        _conv.c.active_run_server.is_not(None),
        _conv.c.active_run_server != _ME,
        _conv.c.active_run_id.is_not(None),
        ~_BEATING,
    )
    .limit(bindparam("limit"))
)
_BEAT = (
    insert(_servers)
    .values(id=_ME, beat_at=func.now())
    .on_conflict_do_update(index_elements=[_servers.c.id], set_={"beat_at": func.now()})
)
_FORGET_DEAD = delete(_servers).where(
    _servers.c.id != _ME,
    _servers.c.beat_at < func.now() - _DEAD_AFTER,
    ~exists().where(_conv.c.active_run_server == _servers.c.id),
)


class Servers:
    """This process's beat, and the takeover of runs whose server is gone."""

    def __init__(
        self,
        beat_engine: AsyncEngine,
        sessionmaker: SessionMaker,
        broker: Broker,
        resume_seconds: float,
    ) -> None:
        self.id = uuid.uuid4()
        self._beat_engine = beat_engine
        self._sessionmaker = sessionmaker
        self._broker = broker
        self._resume_seconds = resume_seconds
        self._params = {"me": self.id, "dead_after": timedelta(seconds=DEAD_AFTER_SECONDS)}

    @property
    def beat_engine(self) -> AsyncEngine:
        """The beat's own small engine (a session beside the app's pool)."""
        return self._beat_engine

    @asynccontextmanager
    async def running(self) -> AsyncIterator["Servers"]:
        """Beating from now until the context ends; then the row goes."""
        try:
            await self.beat()
        except Exception:
            # A database that is down at startup: the loop beats once it is back.
            log.warning("server beat failed at startup", exc_info=True)
        task = asyncio.create_task(self._beat_forever(), name="server beat")
        try:
            yield self
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            try:
                async with self._beat_engine.begin() as connection:
                    await connection.execute(delete(_servers).where(_servers.c.id == self.id))
            except Exception:
                log.warning("server row not deleted at shutdown", exc_info=True)

    async def beat(self) -> None:
        async with self._beat_engine.begin() as connection:
            await connection.execute(_BEAT, self._params)

    async def take_over_lost(self, conversation: tuple[str, int] | None = None) -> int:
        """Take over runs whose server is gone (only the conversation `(owner, number)` when
        given): how many this server took."""
        statement = _LOST_CLAIMS
        if conversation is None:
            # A claim younger than that may come from a server whose row is not written yet
            # (it started while the database was away) or was just deleted: wait it out.
            statement = statement.where(_conv.c.active_run_seen_at < func.now() - _DEAD_AFTER)
        else:
            owner, number = conversation  # a stop: the person is waiting
            statement = statement.where(_conv.c.user_id == owner, _conv.c.number == number)
        async with self._sessionmaker() as session:
            rows = (
                await session.execute(statement, {**self._params, "limit": TAKEOVERS_PER_BEAT})
            ).all()
        taken = 0
        for pk, owner, number, run in rows:
            lost = LostRun(pk, RunRef(owner, number, run))
            if await take_over(self._sessionmaker, self._broker, lost, self._resume_seconds):
                taken += 1
        return taken

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(BEAT_SECONDS)
            try:
                await self.beat()
                if await self.take_over_lost():
                    continue
                async with self._beat_engine.begin() as connection:
                    await connection.execute(_FORGET_DEAD, self._params)
            except Exception:
                # The database may be back by the next beat; a beat missed for long makes
                # this server look dead, and its runs are taken over (their answers then
                # find their claims gone).
                log.warning("server beat failed", exc_info=True)
