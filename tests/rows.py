"""Rows straight from PostgreSQL: what is stored, whatever the API says. One reader per kind
of row, shared by every test that checks the database."""

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

TaskRow = tuple[int, str, str | None, bool]


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(sql), params)]


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql), params)


async def count_rows(engine: AsyncEngine, sql: str, **params: Any) -> int:
    """`SELECT count(*) FROM …` as PostgreSQL sees it now."""
    value = await scalar(engine, sql, **params)
    assert isinstance(value, int)
    return value


async def stored_tasks(engine: AsyncEngine, user: str | None = None) -> list[tuple[Any, ...]]:
    """Every column of the task rows (one user's, or everyone's), by user and number: for
    comparing what the database holds before and after."""
    where = "" if user is None else "WHERE user_id = :user"
    return await rows(engine, f"SELECT * FROM tasks {where} ORDER BY user_id, number", user=user)


async def all_task_rows(engine: AsyncEngine) -> list[tuple[str, int, str, str | None, bool]]:
    """Every task row: (user, number, title, description, completed)."""
    found = await rows(
        engine,
        "SELECT user_id, number, title, description, completed FROM tasks ORDER BY user_id, number",
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in found]


async def task_rows(engine: AsyncEngine, user: str) -> list[TaskRow]:
    """A user's task rows: (number, title, description, completed)."""
    return [(n, title, description, done) for owner, n, title, description, done
            in await all_task_rows(engine) if owner == user]  # fmt: skip


async def task_titles(engine: AsyncEngine, user: str) -> list[tuple[int, str]]:
    return [(number, title) for number, title, *_ in await task_rows(engine, user)]


async def message_rows(engine: AsyncEngine, user: str) -> list[tuple[int, int, str, str]]:
    """Every stored message of a user: (conversation, message number, role, content)."""
    found = await rows(
        engine,
        "SELECT c.number, m.number, m.role, m.content FROM messages m"
        " JOIN conversations c ON c.pk = m.conversation_pk"
        " WHERE c.user_id = :user ORDER BY c.number, m.number",
        user=user,
    )
    return [(r[0], r[1], r[2], r[3]) for r in found]


async def is_claimed(engine: AsyncEngine, user: str, conversation: int) -> bool:
    """Whether a turn still holds the conversation (it would answer 409 to a new message)."""
    sql = (
        "SELECT active_run_id IS NOT NULL FROM conversations WHERE user_id = :user AND number = :n"
    )
    return bool(await scalar(engine, sql, user=user, n=conversation))


async def until_released(engine: AsyncEngine, user: str, conversation: int) -> None:
    """Poll until the conversation's turn has settled (after a disconnect it ends on its own)."""
    async with asyncio.timeout(5):  # guards a hang
        while True:
            if not await is_claimed(engine, user, conversation):
                return
            await asyncio.sleep(0.01)


RicherRow = tuple[int, str, bool, int | None, list[str], datetime | None, str | None]


async def richer_task_rows(engine: AsyncEngine, user: str) -> list[RicherRow]:
    """A user's task rows with the fields of docs/api.md §18: (number, title, completed,
    priority rank 1 low … 3 high, tags, due_at in UTC, recurrence)."""
    found = await rows(
        engine,
        "SELECT number, title, completed, priority, tags, due_at, recurrence FROM tasks"
        " WHERE user_id = :user ORDER BY number",
        user=user,
    )
    return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in found]
