"""Shared fixtures: a real PostgreSQL with the migrated schema, the app, clients, tokens."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.auth.tokens import issue_token, parse_ttl
from backend.db.embedded import EmbeddedPostgres
from backend.db.engine import create_engine
from backend.db.migrate import upgrade
from backend.db.models import SQLModel
from backend.db.url import Pooler
from backend.main import create_app
from backend.settings import Settings
from tests.apps import running
from tests.clock import clock  # noqa: F401  (the fixture, for every test: see tests/clock.py)
from tests.databases import embedded_data_dir, fresh_database
from tests.redis_server import RestartableRedis, redis_server
from tests.tokens import TEST_SECRET, AuthHeaders, TokenFactory

if TYPE_CHECKING:
    from tests.pgbouncer import PgBouncer


@pytest.fixture(scope="session")
def database_server_url() -> Iterator[str]:
    """TEST_DATABASE_URL's server, else an embedded PostgreSQL for this test session."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    with embedded_data_dir() as data_dir:
        embedded = EmbeddedPostgres(data_dir, delete_on_stop=True)
        yield embedded.url
        embedded.stop()


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[RestartableRedis]:
    """A redis-server of this test's own, which it may stop and start again."""
    server = RestartableRedis(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """TEST_REDIS_URL's Redis, else a private one for this test session."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
async def direct_database_url(database_server_url: str) -> AsyncIterator[str]:
    """A database of our own, built by the migrations (always straight on the server)."""
    async with fresh_database(database_server_url) as url:
        await asyncio.to_thread(upgrade, url)
        yield url


def _through_pgbouncer() -> bool:
    """TEST_DATABASE_POOLER=pgbouncer: the app reaches the database through a PgBouncer."""
    choice = os.environ.get("TEST_DATABASE_POOLER", "")
    if choice not in {"", "pgbouncer"}:
        raise pytest.UsageError(f"TEST_DATABASE_POOLER must be pgbouncer or unset, not {choice!r}")
    return choice == "pgbouncer"


@contextmanager
def _pgbouncer(database_server_url: str, work_dir: Path) -> Iterator["PgBouncer"]:
    """A private PgBouncer in transaction mode in front of the test server."""
    from tests.pgbouncer import pgbouncer_path, running_pgbouncer  # tests.processes imports us

    if pgbouncer_path() is None and not _through_pgbouncer():
        pytest.skip("pgbouncer is not installed (.ci/run installs it)")
    with running_pgbouncer(database_server_url, work_dir) as running:
        yield running


@pytest.fixture
def pgbouncer(database_server_url: str, tmp_path: Path) -> Iterator["PgBouncer"]:
    """A PgBouncer of the test's own: its server connections end with the test."""
    with _pgbouncer(database_server_url, tmp_path / "pgbouncer") as running:
        yield running


@pytest.fixture(scope="session")
def database_pooler() -> Pooler:
    return "transaction" if _through_pgbouncer() else "none"


@pytest.fixture(scope="session")
def database_url(
    database_server_url: str,
    direct_database_url: str,
    database_pooler: Pooler,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The URL the app is given: the test database, or the same through PgBouncer (with
    DATABASE_POOLER=transaction in the environment, as a deployment behind one would set)."""
    if database_pooler == "none":
        yield direct_database_url
        return
    with (
        _pgbouncer(database_server_url, tmp_path_factory.mktemp("pgbouncer")) as pooler,
        pytest.MonkeyPatch.context() as environment,
    ):
        environment.setenv("DATABASE_POOLER", database_pooler)
        yield pooler.url_for(direct_database_url)


@pytest.fixture(scope="session")
async def db_engine(direct_database_url: str) -> AsyncIterator[AsyncEngine]:
    """The tests' own look at the rows, straight on the server."""
    engine = create_engine(direct_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def database(database_url: str, db_engine: AsyncEngine) -> AsyncIterator[str]:
    """The migrated test database, emptied after the test (tests share no rows)."""
    yield database_url
    names = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    async with db_engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def settings(database: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database,
        data_dir=tmp_path,
        auth_secret=TEST_SECRET,
        chat_model="offline",
        # Tests on a faked provider script its every request: the title call after a first
        # answer is turned on only by the tests about it (tests/backend/conversations).
        chat_title_model="none",
        # CI's second run sets TEST_REDIS_URL: the whole suite then runs on the Redis broker,
        # each app under keys of its own.
        redis_url=os.environ.get("TEST_REDIS_URL"),
        redis_key_prefix=f"test-{uuid.uuid4().hex}:",
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running(create_app(settings)) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
def make_token() -> TokenFactory:
    def make(user_id: str, ttl: str = "1h", secret: str = TEST_SECRET) -> str:
        return issue_token(secret, user_id, parse_ttl(ttl))

    return make


@pytest.fixture
def auth(make_token: TokenFactory) -> AuthHeaders:
    """`auth("alice")` → the Authorization header of a valid token for alice."""

    def headers(user_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(user_id)}"}

    return headers
