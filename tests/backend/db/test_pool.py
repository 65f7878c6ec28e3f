"""The app's connection pool under a burst: with the default settings every connection it
opens stays open for the next burst (a connection opened per burst and closed after cost
PostgreSQL a backend and the server its setup, every few turns at 64 clients:
docs/performance.md, "From 16 to 64 clients")."""

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db.engine import create_engine
from backend.settings import Settings


async def burst(engine: AsyncEngine, size: int) -> set[int]:
    """`size` transactions open at once; the PostgreSQL backends that served them."""
    together = asyncio.Barrier(size)

    async def one() -> int:
        async with engine.connect() as connection:
            pid = int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            await together.wait()
            return pid

    return set(await asyncio.gather(*(one() for _ in range(size))))


async def test_a_full_burst_reuses_the_connections_of_the_last_one(
    direct_database_url: str,
) -> None:
    defaults = Settings(database_url=direct_database_url)
    ceiling = defaults.db_pool_size + defaults.db_max_overflow
    engine = create_engine(
        direct_database_url,
        pool_size=defaults.db_pool_size,
        max_overflow=defaults.db_max_overflow,
    )
    try:
        first = await burst(engine, ceiling)
        second = await burst(engine, ceiling)
    finally:
        await engine.dispose()
    assert len(first) == ceiling == 20
    assert second == first  # nothing closed between bursts, nothing opened anew
