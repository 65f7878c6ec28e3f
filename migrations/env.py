"""Alembic environment: async engine on asyncpg, metadata from backend.models."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from backend.db.engine import engine_arguments
from backend.db.models import SQLModel
from backend.db.url import Pooler
from backend.settings import Settings

config = context.config
target_metadata = SQLModel.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url") or Settings().database_url
    if not url:
        raise SystemExit("Set DATABASE_URL, or run `todo-chat migrate` to use the embedded one.")
    return str(url)


def _database_pooler() -> Pooler | None:
    if "database_pooler" in config.attributes:
        pooler: Pooler | None = config.attributes["database_pooler"]
        return pooler
    return Settings().database_pooler


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, compare_server_default=True
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url, connect_args = engine_arguments(_database_url(), _database_pooler())
    engine = create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
