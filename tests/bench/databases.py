"""The bench's databases, each created on one PostgreSQL server and migrated."""

import asyncio
from collections.abc import Sequence

import asyncpg
from sqlalchemy.engine import make_url

from backend.db.migrate import upgrade


async def create_databases(server_url: str, names: Sequence[str]) -> list[str]:
    """Databases `names` on the server of `server_url`, built by the migrations: their URLs."""
    admin_url = make_url(server_url).set(drivername="postgresql")
    admin = await asyncpg.connect(admin_url.render_as_string(hide_password=False))
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    urls = [make_url(server_url).set(database=name).render_as_string(False) for name in names]
    for url in urls:
        await asyncio.to_thread(upgrade, url)
    return urls
