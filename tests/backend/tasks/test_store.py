"""The task store: per-user numbering under concurrency, and the owner filter on every query."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db.engine import SessionMaker, create_engine, create_sessionmaker
from backend.db.url import Pooler
from backend.tasks.store import TaskFilter, TaskRecord, TaskStore
from tests.rows import task_rows

CONCURRENT = 30


@pytest.fixture
async def sessionmaker(database: str, database_pooler: Pooler) -> AsyncIterator[SessionMaker]:
    """Enough connections for every concurrent create to hold its own transaction at once."""
    engine = create_engine(
        database, pooler=database_pooler, pool_size=CONCURRENT + 2, max_overflow=0, pool_timeout=30
    )
    yield create_sessionmaker(engine)
    await engine.dispose()


async def create(sessionmaker: SessionMaker, owner: str, title: str) -> TaskRecord:
    async with sessionmaker.begin() as session:
        return await TaskStore(session, owner).create(title)


async def stored_numbers(engine: AsyncEngine, owner: str) -> list[int]:
    return [number for number, *_ in await task_rows(engine, owner)]


async def test_concurrent_creates_for_one_user_get_numbers_1_to_n(
    sessionmaker: SessionMaker, db_engine: AsyncEngine
) -> None:
    records = await asyncio.gather(
        *(create(sessionmaker, "alice", f"task {n}") for n in range(CONCURRENT))
    )
    assert sorted(r.number for r in records) == list(range(1, CONCURRENT + 1))
    assert await stored_numbers(db_engine, "alice") == list(range(1, CONCURRENT + 1))
    # Each number went to the task its create returned.
    by_number = {r.number: r.title for r in records}
    async with sessionmaker.begin() as session:
        listed, total = await TaskStore(session, "alice").list_tasks(limit=200)
    assert total == CONCURRENT
    assert {r.number: r.title for r in listed} == by_number


async def test_concurrent_creates_for_two_users_number_independently(
    sessionmaker: SessionMaker, db_engine: AsyncEngine
) -> None:
    creates = [create(sessionmaker, user, "t") for _ in range(10) for user in ("alice", "bob")]
    await asyncio.gather(*creates)
    assert await stored_numbers(db_engine, "alice") == list(range(1, 11))
    assert await stored_numbers(db_engine, "bob") == list(range(1, 11))


async def test_a_rolled_back_create_leaves_no_gap_and_deleted_numbers_stay_used(
    sessionmaker: SessionMaker, db_engine: AsyncEngine
) -> None:
    await create(sessionmaker, "alice", "one")
    async with sessionmaker() as session:
        await TaskStore(session, "alice").create("abandoned")
        await session.rollback()
    second = await create(sessionmaker, "alice", "two")
    assert second.number == 2
    async with sessionmaker.begin() as session:
        await TaskStore(session, "alice").delete(second.number)
    third = await create(sessionmaker, "alice", "three")
    assert third.number == 3
    assert await stored_numbers(db_engine, "alice") == [1, 3]


async def test_another_owners_store_cannot_touch_the_task(
    sessionmaker: SessionMaker, db_engine: AsyncEngine
) -> None:
    mine = await create(sessionmaker, "alice", "alice's secret")
    async with sessionmaker.begin() as session:
        bobs = TaskStore(session, "bob")
        assert await bobs.get(mine.number) is None
        assert await bobs.update(mine.number, title="hacked", description="x") is None
        assert await bobs.update(mine.number, completed=True) is None
        assert await bobs.toggle_completed(mine.number) is None
        assert await bobs.delete(mine.number) is None
        assert await bobs.list_tasks() == ([], 0)
        assert await bobs.list_tasks(TaskFilter(query="secret")) == ([], 0)
    async with sessionmaker.begin() as session:
        assert await TaskStore(session, "alice").get(mine.number) == mine
    assert await stored_numbers(db_engine, "alice") == [1]


async def test_owner_ids_match_exactly(sessionmaker: SessionMaker) -> None:
    """No prefix, case or pattern matching on the owner: `Alice`, `alic%` are other people."""
    await create(sessionmaker, "alice", "alice's task")
    async with sessionmaker.begin() as session:
        for other in ("Alice", "alic%", "alice ", "alic_"):
            assert await TaskStore(session, other).get(1) is None
            assert await TaskStore(session, other).list_tasks() == ([], 0)
