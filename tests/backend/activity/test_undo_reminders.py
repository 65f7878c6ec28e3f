"""A task brought back by undo keeps its reminder's state: a reminder that already went out is
not sent again; one still ahead stays due. Reverting an update does the same."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from backend.activity.record import REST
from backend.activity.store import ActivityStore
from backend.activity.undo import undo
from backend.db.engine import SessionMaker, create_engine, create_sessionmaker
from backend.db.url import Pooler
from backend.tasks.store import TaskStore, claim_due_reminders


@pytest.fixture
async def sessionmaker(database: str, database_pooler: Pooler) -> AsyncIterator[SessionMaker]:
    engine = create_engine(database, pooler=database_pooler)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def claimed(maker: SessionMaker) -> list[int]:
    async with maker.begin() as session:
        return [reminder.task.number for reminder in await claim_due_reminders(session)]


async def undo_newest(maker: SessionMaker) -> None:
    async with maker.begin() as session:
        activity = ActivityStore(session, "alice")
        newest, _ = await activity.page(1)
        entry = await activity.lock(newest[0].number)
        assert entry is not None
        await undo(session, "alice", [entry], REST)


async def test_a_sent_reminder_is_not_sent_again_and_one_ahead_still_is(
    sessionmaker: SessionMaker,
) -> None:
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        store = TaskStore(session, "alice")
        await store.create("sent", remind_at=now - timedelta(minutes=5))
        await store.create("ahead", remind_at=now + timedelta(hours=1))
    assert await claimed(sessionmaker) == [1]
    for number in (1, 2):
        async with sessionmaker.begin() as session:
            await TaskStore(session, "alice").delete(number)
        await undo_newest(sessionmaker)

    assert await claimed(sessionmaker) == []  # task 1's reminder went out before the delete
    async with sessionmaker.begin() as session:
        ahead = await TaskStore(session, "alice").get(2)
        back = await TaskStore(session, "alice").snapshot_locked(2)
    assert ahead is not None
    assert ahead.remind_at is not None
    assert ahead.remind_at > now
    assert back is not None
    assert back["reminded_at"] is None  # still to be sent when its time comes


async def test_reverting_to_a_sent_reminder_does_not_send_it_again(
    sessionmaker: SessionMaker,
) -> None:
    past = datetime.now(UTC) - timedelta(minutes=5)
    async with sessionmaker.begin() as session:
        await TaskStore(session, "alice").create("t", remind_at=past)
    assert await claimed(sessionmaker) == [1]
    async with sessionmaker.begin() as session:
        await TaskStore(session, "alice").update(1, remind_at=past - timedelta(minutes=1))
    assert await claimed(sessionmaker) == [1]  # a new time: sent
    await undo_newest(sessionmaker)
    assert await claimed(sessionmaker) == []  # back to the first time, which was sent
