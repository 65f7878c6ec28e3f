"""Helpers for tests that drive chat turns from outside: a model step the test holds open, raw
header values, and rows straight from PostgreSQL."""

import asyncio
from typing import Any

from agents.items import TResponseOutputItem
from agents.testing import ModelCall, ModelStep, assistant_message
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class Gate:
    """A model step that waits, mid-turn, until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()

    def step(self, answer: str) -> ModelStep:
        async def respond(call: ModelCall) -> list[TResponseOutputItem]:
            self.entered.set()
            await self.opened.wait()
            return [assistant_message(answer)]

        return ModelStep.respond(respond)

    async def wait_entered(self, within: float = 10.0) -> None:
        async with asyncio.timeout(within):
            await self.entered.wait()


def with_raw_header(
    headers: dict[str, str], name: str, value: str | bytes
) -> list[tuple[bytes, bytes]]:
    """`headers` plus one whose value may be bytes a client put on the wire as they are."""
    raw = value if isinstance(value, bytes) else value.encode("latin-1")
    return [*((k.encode(), v.encode()) for k, v in headers.items()), (name.encode(), raw)]


async def count_rows(engine: AsyncEngine, sql: str, **params: Any) -> int:
    """`SELECT count(*) FROM …` as PostgreSQL sees it now."""
    async with engine.connect() as connection:
        value = await connection.scalar(text(sql), params)
    assert isinstance(value, int)
    return value


async def task_titles(engine: AsyncEngine, user: str) -> list[tuple[int, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT number, title FROM tasks WHERE user_id = :user ORDER BY number"),
            {"user": user},
        )
        return [(row.number, row.title) for row in rows]
