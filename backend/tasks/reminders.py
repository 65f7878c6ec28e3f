"""The reminder loop: every few seconds, claim the reminders whose time has come and publish
each to its owner's live feed.

Every server process runs one. The claim (backend/tasks/store.py `claim_due_reminders`) marks
each (task, remind_at) sent in the same statement that picks it, skipping rows another process
holds, so one reminder goes out once however many processes poll. Reminders that came due
while no server ran are due at the first poll after start. A reminder counts as sent only once
the broker took it: the batch is published inside the claim's transaction, and a broker that
cannot take one (Redis away: `BrokerUnavailable`) rolls the claim back, so the batch goes out
at a later round (one already published in that batch goes out twice rather than one never).
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from backend.db.engine import SessionMaker
from backend.http.errors import BrokerUnavailable
from backend.tasks.store import DueReminder, TaskRecord, claim_due_reminders

log = logging.getLogger(__name__)

Publish = Callable[[str, TaskRecord], Awaitable[None]]
BATCH = 100


class ReminderLoop:
    def __init__(
        self, sessionmaker: SessionMaker, publish: Publish, *, interval_seconds: float
    ) -> None:
        self._sessionmaker = sessionmaker
        self._publish = publish
        self._interval = interval_seconds

    async def send_due(self) -> int:
        """Claim and publish every due reminder; how many were sent."""
        sent = 0
        while True:
            async with self._sessionmaker.begin() as session:
                claimed = await claim_due_reminders(session, BATCH)
                for reminder in claimed:
                    await self._send(reminder)
            sent += len(claimed)
            if len(claimed) < BATCH:
                return sent

    async def _send(self, reminder: DueReminder) -> None:
        try:
            await self._publish(reminder.owner, reminder.task)
        except BrokerUnavailable:
            raise  # nothing can be published now: the claim is rolled back
        except Exception:  # one feed's failure must not stop the others' reminders
            log.exception("publishing a reminder failed")

    async def run(self) -> None:
        while True:
            try:
                await self.send_due()
            except Exception as error:  # the database may be down: try again next round
                log.warning("reminders not sent this round: %s", type(error).__name__)
            await asyncio.sleep(self._interval)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The loop as a background task for the app's lifetime."""
        task = asyncio.create_task(self.run(), name="reminders")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.wait({task})  # unlike `await task`, leaves our own cancellation be
