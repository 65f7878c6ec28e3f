"""Engine and session factory on asyncpg, directly or through a transaction-mode pooler, and
telling "the database is down" from "our query is wrong"."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from backend.db.url import Pooler, parse_database_url

SessionMaker = async_sessionmaker[AsyncSession]
CONNECT_TIMEOUT_SECONDS = 5.0
# Behind a transaction pooler each transaction may run on another server connection, shared
# with other clients: a statement prepared in one transaction is missing, or another
# client's, in the next. Without these caches asyncpg uses the unnamed statement, parsed
# again in the transaction that runs it (docs/deploy.md).
_POOLED_CONNECT_ARGS = {"statement_cache_size": 0, "prepared_statement_cache_size": 0}
# Direct connections only: a crashed handler can never pin locks behind an open transaction.
# A stock PgBouncer refuses this startup parameter; behind a pooler it is the pooler's
# (idle_transaction_timeout) or the role's setting, as a per-transaction SET LOCAL would cost
# two round trips on every transaction.
_DIRECT_SERVER_SETTINGS = {"idle_in_transaction_session_timeout": "60000"}

# Failures that mean "the database is not reachable right now", not "our code is wrong".
DATABASE_DOWN = (sa_exc.TimeoutError, sa_exc.OperationalError, sa_exc.InterfaceError, OSError)
# What PostgreSQL answers while it cannot serve: connection failures (class 08), shutting down
# or starting up (57P01-57P03), out of connection slots. SQLAlchemy raises these as a plain
# DBAPIError (asyncpg's CannotConnectNowError during a restart, for one).
UNAVAILABLE_SQLSTATES = ("08", "57P0", "53300")


def engine_arguments(url: str, pooler: Pooler | None = None) -> tuple[URL, dict[str, Any]]:
    """SQLAlchemy's URL and asyncpg's connect arguments for DATABASE_URL, behind `pooler`
    (None: what the URL's host says)."""
    target = parse_database_url(url)
    pooled = target.pooler(pooler) == "transaction"
    connect_args: dict[str, Any] = {
        "timeout": target.connect_timeout or CONNECT_TIMEOUT_SECONDS,
        "command_timeout": 30,
        "server_settings": {
            "application_name": "todo-chat",
            **({} if pooled else _DIRECT_SERVER_SETTINGS),
            **target.startup,
        },
        **(_POOLED_CONNECT_ARGS if pooled else {}),
    }
    if target.libpq_dsn:
        connect_args["dsn"] = target.libpq_dsn
    return target.url, connect_args


def create_engine(
    url: str,
    *,
    pooler: Pooler | None = None,
    pool_size: int = 20,
    max_overflow: int = 0,
    pool_timeout: float = 5.0,
) -> AsyncEngine:
    sqlalchemy_url, connect_args = engine_arguments(url, pooler)
    return create_async_engine(
        sqlalchemy_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # A request waits this long for a connection, then gets 503 instead of hanging.
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        pool_recycle=1800,
        # Error messages and logs never carry bound values (message bodies, titles).
        hide_parameters=True,
        connect_args=connect_args,
    )


@dataclass(frozen=True, slots=True)
class StoreLimits:
    """Limits the stores apply, carried by every session of a sessionmaker."""

    tasks_per_user: int = 10_000
    search_timeout_ms: int = 2_000


_LIMITS = "store_limits"


def create_sessionmaker(
    engine: AsyncEngine,
    session_class: type[Session] = Session,
    limits: StoreLimits | None = None,
) -> SessionMaker:
    """`session_class` (a `Session` subclass of the caller's) is where per-app session events
    are listened for; `limits` travel with every session to the stores."""
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        sync_session_class=session_class,
        info={_LIMITS: limits or StoreLimits()},
    )


def store_limits(session: AsyncSession) -> StoreLimits:
    limits: StoreLimits = session.info.get(_LIMITS) or StoreLimits()
    return limits


def database_unavailable(error: BaseException) -> bool:
    """The database cannot serve right now (as opposed to a query of ours being wrong)."""
    if isinstance(error, DATABASE_DOWN):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        sqlstate = str(getattr(error.orig, "pgcode", None) or "")
        return error.connection_invalidated or sqlstate.startswith(UNAVAILABLE_SQLSTATES)
    return False
