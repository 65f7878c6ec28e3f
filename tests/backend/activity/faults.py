"""A fault between a change and its commit: a deferred trigger on `activity` that fails the
transaction at COMMIT, after the task row and its entry are both written."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@asynccontextmanager
async def failing_commits(engine: AsyncEngine, when: str) -> AsyncIterator[None]:
    """While open, every transaction that writes an entry matching `when` (SQL on NEW) fails
    at commit."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'injected fault at commit'; END $$"
            )
        )
        await connection.execute(
            text(
                "CREATE CONSTRAINT TRIGGER injected_fault AFTER INSERT ON activity "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"WHEN ({when}) EXECUTE FUNCTION injected_fault()"
            )
        )
    try:
        yield
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("DROP TRIGGER injected_fault ON activity"))
            await connection.execute(text("DROP FUNCTION injected_fault()"))
