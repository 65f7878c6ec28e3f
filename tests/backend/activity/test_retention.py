"""Entries older than ACTIVITY_RETENTION_DAYS go, in batches; younger ones stay. The clock is
set, not waited for."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.activity.retention import RetentionLoop
from backend.db.engine import SessionMaker, create_engine, create_sessionmaker
from backend.db.url import Pooler
from backend.tasks.store import TaskStore
from tests.rows import count_rows


@pytest.fixture
async def sessionmaker(database: str, database_pooler: Pooler) -> AsyncIterator[SessionMaker]:
    engine = create_engine(database, pooler=database_pooler)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_entries_past_the_retention_are_removed_in_batches(
    sessionmaker: SessionMaker, db_engine: AsyncEngine
) -> None:
    async with sessionmaker.begin() as session:
        store = TaskStore(session, "alice")
        for n in range(7):
            await store.create(f"task {n}")
    async with sessionmaker.begin() as session:
        await TaskStore(session, "bob").create("young")
    # alice's entries were made 40 days ago by the clock below, bob's 10 days ago.
    now = datetime.now(UTC)
    async with db_engine.begin() as connection:
        await connection.execute(
            text("UPDATE activity SET at = :at WHERE user_id = 'bob'"),
            {"at": now + timedelta(days=30)},
        )
    clock = lambda: now + timedelta(days=40)  # noqa: E731

    loop = RetentionLoop(sessionmaker, 30, batch=3, clock=clock)
    assert await loop.purge_expired() == 7

    assert await count_rows(db_engine, "SELECT count(*) FROM activity WHERE user_id = 'alice'") == 0
    assert await count_rows(db_engine, "SELECT count(*) FROM activity WHERE user_id = 'bob'") == 1
    assert await count_rows(db_engine, "SELECT count(*) FROM tasks") == 8  # tasks are not touched
    assert await RetentionLoop(sessionmaker, 30, clock=lambda: now).purge_expired() == 0
