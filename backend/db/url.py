"""What DATABASE_URL may say, split into what SQLAlchemy and asyncpg are each given.

Neon, Supabase and most hosts print libpq connection strings
(`postgresql://…?sslmode=require&channel_binding=require`). asyncpg reads most libpq
parameters from a connection string itself; the rest are translated here, or accepted and
explained when asyncpg cannot honour them. asyncpg would send any other parameter to the
server as a startup parameter, to fail at the first connection (or, behind a pooler, be
refused by it): an unknown one is refused when the setting is read instead.
"""

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlencode

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ASYNC_DRIVER = "postgresql+asyncpg"
Pooler = Literal["none", "transaction"]

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
SESSION_ATTRS = ("any", "primary", "standby", "prefer-standby", "read-write", "read-only")
CHANNEL_BINDINGS = ("disable", "prefer", "require")

# libpq parameters asyncpg reads from a connection string, as libpq does.
_READ_BY_ASYNCPG = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslpassword",
        "sslcrl",
        "sslnegotiation",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "target_session_attrs",
        "passfile",
        "service",
        "krbsrvname",
        "gsslib",
    }
)
# Startup parameters the server (or a pooler in front of it) reads.
_STARTUP = frozenset({"application_name", "options"})
# Accepted as libpq accepts them; asyncpg has no such setting. libpq's `channel_binding=require`
# refuses a server that skips SCRAM channel binding; asyncpg never binds (it sends SCRAM-SHA-256
# without it) and the server accepts that. Neon prints the parameter in every URL.
_WITHOUT_EFFECT = frozenset({"channel_binding", "gssencmode"})
# `host=/socket/dir` (a unix socket, the embedded server) stays on SQLAlchemy's URL.
_SERVER = frozenset({"host"})
ACCEPTED = sorted(_READ_BY_ASYNCPG | _STARTUP | _WITHOUT_EFFECT | _SERVER | {"connect_timeout"})

_CHOICES = {
    "sslmode": SSL_MODES,
    "target_session_attrs": SESSION_ATTRS,
    "channel_binding": CHANNEL_BINDINGS,
}


@dataclass(frozen=True)
class DatabaseTarget:
    """DATABASE_URL, taken apart."""

    url: URL
    """postgresql+asyncpg://user:password@host:port/database, `?host=` kept: for SQLAlchemy."""
    libpq: dict[str, str]
    """Parameters asyncpg reads from a connection string (`sslmode`, `sslrootcert`, …)."""
    startup: dict[str, str]
    """Startup parameters the URL sets (`application_name`, `options`)."""
    connect_timeout: float | None
    pooled_host: bool
    """Neon names the pooled endpoint of a database with `-pooler` in its host."""

    @property
    def libpq_dsn(self) -> str | None:
        """A connection string of the libpq parameters alone: asyncpg reads them from it, and
        the explicit host, user and database SQLAlchemy passes take precedence."""
        return f"postgresql://?{urlencode(self.libpq)}" if self.libpq else None

    def pooler(self, configured: Pooler | None) -> Pooler:
        """DATABASE_POOLER when set, else `transaction` for a pooled Neon host."""
        if configured is not None:
            return configured
        return "transaction" if self.pooled_host else "none"


def _last(value: str | Sequence[str]) -> str:
    """A repeated parameter counts once, with its last value (as libpq takes it)."""
    return value if isinstance(value, str) else value[-1]


def _checked(query: Mapping[str, str | Sequence[str]]) -> dict[str, str]:
    params = {name: _last(value) for name, value in query.items()}
    if "ssl" in params:  # asyncpg's own spelling of sslmode (SQLAlchemy's docs use it)
        params.setdefault("sslmode", params.pop("ssl"))
    unknown = sorted(set(params) - set(ACCEPTED))
    if unknown:
        raise ValueError(
            f"DATABASE_URL has an unknown parameter {unknown[0]!r}; accepted: {', '.join(ACCEPTED)}"
        )
    for name, choices in _CHOICES.items():
        if name in params and params[name] not in choices:
            raise ValueError(f"DATABASE_URL's {name} must be one of {', '.join(choices)}")
    return params


def _system_roots(params: dict[str, str]) -> None:
    """libpq's `sslrootcert=system` (trust the system's CAs, and so verify-full) as the CA
    file asyncpg needs: the one OpenSSL uses by default."""
    if params.get("sslrootcert") != "system":
        return
    bundle = ssl.get_default_verify_paths().cafile
    if bundle is None or not Path(bundle).is_file():
        raise ValueError("DATABASE_URL's sslrootcert=system: no system CA file; name one instead")
    params["sslrootcert"] = bundle
    params.setdefault("sslmode", "verify-full")


def _timeout(params: dict[str, str]) -> float | None:
    if "connect_timeout" not in params:
        return None
    try:
        seconds = float(params.pop("connect_timeout"))
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ValueError("DATABASE_URL's connect_timeout must be a number of seconds above 0")
    return seconds


def parse_database_url(url: str) -> DatabaseTarget:
    """DATABASE_URL's parts, or a ValueError whose message is one line naming the problem."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("DATABASE_URL must be a postgresql:// URL") from None
    if parsed.drivername not in {"postgres", "postgresql", ASYNC_DRIVER}:
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    params = _checked(parsed.query)
    _system_roots(params)
    timeout = _timeout(params)
    server = {k: v for k, v in params.items() if k in _SERVER}
    hosts = [parsed.host or "", *server.get("host", "").split(",")]
    return DatabaseTarget(
        url=parsed.set(drivername=ASYNC_DRIVER, query=server),
        libpq={k: v for k, v in params.items() if k in _READ_BY_ASYNCPG},
        startup={k: v for k, v in params.items() if k in _STARTUP},
        connect_timeout=timeout,
        pooled_host=any("-pooler" in host for host in hosts),
    )
