"""Throwaway PostgreSQL databases for tests: on TEST_DATABASE_URL's server, else embedded."""

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url


def _libpq_url(url: str) -> str:
    """asyncpg.connect() wants a plain postgresql:// URL (it reads libpq's parameters)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """Create an empty database on the server of `server_url`; drop it afterwards."""
    name = f"todo_chat_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_libpq_url(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@contextmanager
def embedded_data_dir() -> Iterator[Path]:
    """A directory for an embedded server's data, outside pytest's temporary root: another
    pytest session starting on the machine resets that root to mode 0700, which locks the
    server's own system user out of its data in the middle of a run."""
    path = Path(tempfile.mkdtemp(prefix="todo-chat-test-pg-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
