"""The richer-tasks migration keeps every existing row, going up, down and up again."""

import asyncio
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from backend.db.engine import create_engine
from backend.db.migrate import alembic_config, upgrade
from tests.databases import fresh_database

BEFORE = "0005_task_search_trgm"
REVISION = "0006_richer_tasks"
BASIC = "SELECT user_id, number, title, description, completed FROM tasks ORDER BY pk"
RICHER = "SELECT priority, tags, due_at, recurrence, time_zone, remind_at FROM tasks ORDER BY pk"
ROWS = [
    ("alice", 1, "Buy milk", None, False),
    ("alice", 2, "Call mom", "Sunday", True),
    ("bob", 1, "Bob's task", "x", False),
]


async def query(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_up_down_up_keeps_the_rows(database_server_url: str) -> None:
    async with fresh_database(database_server_url) as url:
        # env.py runs its own event loop: each migration gets a thread of its own.
        await asyncio.to_thread(upgrade, url, BEFORE)
        for row in ROWS:
            await query(
                url,
                "INSERT INTO tasks (user_id, number, title, description, completed)"
                " VALUES (:u, :n, :t, :d, :c)",
                u=row[0],
                n=row[1],
                t=row[2],
                d=row[3],
                c=row[4],
            )

        await asyncio.to_thread(upgrade, url, REVISION)
        assert await query(url, BASIC) == ROWS
        assert await query(url, RICHER) == [(None, [], None, None, "UTC", None)] * 3
        await query(
            url,
            "UPDATE tasks SET priority = 3, tags = '{work}', due_at = now(),"
            " recurrence = 'daily', remind_at = now() WHERE number = 2",
        )

        await asyncio.to_thread(command.downgrade, alembic_config(url), BEFORE)
        assert await query(url, BASIC) == ROWS

        await asyncio.to_thread(upgrade, url, "head")
        assert await query(url, BASIC) == ROWS
        assert await query(url, RICHER) == [(None, [], None, None, "UTC", None)] * 3
        await asyncio.to_thread(command.check, alembic_config(url))


async def test_the_database_refuses_a_recurrence_without_a_due_date(
    database_server_url: str,
) -> None:
    async with fresh_database(database_server_url) as url:
        await asyncio.to_thread(upgrade, url, "head")
        await query(url, "INSERT INTO tasks (user_id, number, title) VALUES ('a', 1, 't')")
        for change in ("recurrence = 'daily'", "priority = 4", "recurrence = 'yearly'"):
            with pytest.raises(IntegrityError, match="check constraint"):
                await query(url, f"UPDATE tasks SET {change}")
