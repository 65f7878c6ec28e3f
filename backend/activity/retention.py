"""Activity older than ACTIVITY_RETENTION_DAYS is removed by the server, in the background.

Every server process runs the loop; each round deletes small batches in short transactions of
their own (`purge_older_than` skips rows another transaction holds), so no lock is held for
long and several processes share the work instead of queueing.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from backend.activity.store import purge_older_than
from backend.db.engine import SessionMaker

log = logging.getLogger(__name__)

BATCH = 500
INTERVAL_SECONDS = 3600.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RetentionLoop:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        days: int,
        *,
        interval_seconds: float = INTERVAL_SECONDS,
        batch: int = BATCH,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._kept = timedelta(days=days)
        self._interval = interval_seconds
        self._batch = batch
        self._clock = clock

    async def purge_expired(self) -> int:
        """Remove every entry older than the retention; how many."""
        cutoff = self._clock() - self._kept
        removed = 0
        while True:
            async with self._sessionmaker.begin() as session:
                batch = await purge_older_than(session, cutoff, self._batch)
            removed += batch
            if batch < self._batch:
                return removed

    async def run(self) -> None:
        while True:
            try:
                removed = await self.purge_expired()
                if removed:
                    log.info("activity entries past retention removed: %d", removed)
            except Exception as error:  # the database may be down: try again next round
                log.warning("activity retention skipped this round: %s", type(error).__name__)
            await asyncio.sleep(self._interval)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The loop as a background task for the app's lifetime."""
        task = asyncio.create_task(self.run(), name="activity retention")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.wait({task})
