"""Engine and session factory on asyncpg, the URL forms we accept, and telling "the database
is down" from "our query is wrong"."""

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

ASYNC_DRIVER = "postgresql+asyncpg"
SessionMaker = async_sessionmaker[AsyncSession]

# Failures that mean "the database is not reachable right now", not "our code is wrong".
DATABASE_DOWN = (sa_exc.TimeoutError, sa_exc.OperationalError, sa_exc.InterfaceError, OSError)
# What PostgreSQL answers while it cannot serve: connection failures (class 08), shutting down
# or starting up (57P01-57P03), out of connection slots. SQLAlchemy raises these as a plain
# DBAPIError (asyncpg's CannotConnectNowError during a restart, for one).
UNAVAILABLE_SQLSTATES = ("08", "57P0", "53300")


def async_url(url: str) -> URL:
    """Accept `postgres://`, `postgresql://`, `postgresql+asyncpg://`, with `?host=/socket/dir`.

    libpq's `sslmode` becomes asyncpg's `ssl`; the rest of the query string is kept.
    """
    parsed = make_url(url)
    if parsed.drivername not in {"postgres", "postgresql", ASYNC_DRIVER}:
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    query = dict(parsed.query)
    if "sslmode" in query:
        query["ssl"] = query.pop("sslmode")
    return parsed.set(drivername=ASYNC_DRIVER, query=query)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 5.0,
) -> AsyncEngine:
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        # A request waits this long for a connection, then gets 503 instead of hanging.
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        pool_recycle=1800,
        # Error messages and logs never carry bound values (message bodies, titles).
        hide_parameters=True,
        connect_args={
            "timeout": 5,
            "command_timeout": 30,
            "server_settings": {
                "application_name": "todo-chat",
                # A crashed handler can never pin locks behind an open transaction.
                "idle_in_transaction_session_timeout": "60000",
            },
        },
    )


def create_sessionmaker(
    engine: AsyncEngine, session_class: type[Session] = Session
) -> SessionMaker:
    """`session_class` (a `Session` subclass of the caller's) is where per-app session events
    are listened for."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)


def database_unavailable(error: BaseException) -> bool:
    """The database cannot serve right now (as opposed to a query of ours being wrong)."""
    if isinstance(error, DATABASE_DOWN):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        sqlstate = str(getattr(error.orig, "pgcode", None) or "")
        return error.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATES)
    return False
