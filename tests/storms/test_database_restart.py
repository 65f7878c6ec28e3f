"""Storm 3: the database stops in the middle of traffic, then starts again.

An embedded PostgreSQL of this test's own is stopped (`pg_ctl stop -m fast`: sessions are
terminated, the socket disappears) while a trickle of REST requests and readiness probes runs.
During the outage requests fail fast with 503 `database_unavailable` (never 500) and /readyz
says 503; once the database is back the same app serves 200s again by itself.
"""

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc

from backend.db.migrate import upgrade
from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving_in_thread
from tests.backend.support import assert_error
from tests.databases import RestartablePostgres, embedded_data_dir
from tests.polling import eventually
from tests.storms.support import client, report
from tests.tokens import TEST_SECRET, TokenFactory

USER = "restart"
TRICKLE_GAP = 0.04  # seconds between two requests of one trickle
BEFORE, OUTAGE, AFTER = 1.0, 2.0, 1.5  # seconds of each phase
POOL_TIMEOUT = 5.0


@dataclass(frozen=True)
class Probe:
    sent: float  # seconds since the trickle started
    path: str
    status: int
    code: str | None
    seconds: float


async def _trickle(
    http: httpx.AsyncClient, headers: dict[str, str], path: str, probes: list[Probe], t0: float
) -> None:
    """Requests one after another until cancelled: GET, POST, GET… on `path`."""
    n = 0
    while True:
        n += 1
        sent = time.monotonic()
        if path.endswith("/tasks") and n % 2 == 0:
            response = await http.post(path, json={"title": f"trickle {n}"}, headers=headers)
        else:
            response = await http.get(path, headers=headers)
        code = None
        if response.status_code >= 400:
            code = response.json().get("code")
        done = time.monotonic()
        probes.append(Probe(sent - t0, path, response.status_code, code, done - sent))
        await asyncio.sleep(TRICKLE_GAP)


def _phase(probes: list[Probe], start: float, end: float) -> list[Probe]:
    return [p for p in probes if start <= p.sent and p.sent + p.seconds <= end]


async def test_database_restart(tmp_path: Path, make_token: TokenFactory) -> None:
    with embedded_data_dir() as data_dir:
        await _restart_under_traffic(data_dir, tmp_path, make_token)


async def _restart_under_traffic(data_dir: Path, tmp_path: Path, make_token: TokenFactory) -> None:
    database = await asyncio.to_thread(RestartablePostgres, data_dir)
    try:
        await asyncio.to_thread(upgrade, database.url)
        settings = Settings(
            _env_file=None,
            database_url=database.url,
            data_dir=tmp_path,
            auth_secret=TEST_SECRET,
            chat_model="offline",
            db_pool_timeout=POOL_TIMEOUT,
            log_level="ERROR",
        )
        await _storm(database, settings, make_token(USER))
    finally:
        await asyncio.to_thread(database.embedded.stop)


async def _storm(database: RestartablePostgres, settings: Settings, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    probes: list[Probe] = []
    async with serving_in_thread(create_app(settings)) as base_url, client(base_url) as http:
        t0 = time.monotonic()
        trickles = [
            asyncio.create_task(_trickle(http, headers, path, probes, t0))
            for path in (f"/api/{USER}/tasks", f"/api/{USER}/tasks", "/readyz")
        ]
        try:
            async with asyncio.timeout(60):
                await asyncio.sleep(BEFORE)
                stopping = time.monotonic() - t0
                await asyncio.to_thread(database.stop)
                stopped = time.monotonic() - t0
                await asyncio.sleep(OUTAGE)
                starting = time.monotonic() - t0
                await asyncio.to_thread(database.start)
                started = time.monotonic() - t0

                async def recovered() -> bool:
                    return any(
                        p.sent >= started and p.status < 400 and p.path != "/readyz" for p in probes
                    )

                await eventually(recovered, 15.0, "a 2xx after the database came back")
                await asyncio.sleep(AFTER)
        finally:
            for trickle in trickles:
                trickle.cancel()
            await asyncio.gather(*trickles, return_exceptions=True)

    api = [p for p in probes if p.path != "/readyz"]
    outage = _phase(api, stopped, starting)
    first_ok = min(p.sent + p.seconds for p in api if p.sent >= started and p.status < 400)
    tail = [p for p in api if p.sent >= first_ok]
    statuses: dict[str, int] = {}
    for p in probes:
        kind = f"{p.path.rsplit('/', 1)[-1]} {p.status}{f' {p.code}' if p.code else ''}"
        statuses[kind] = statuses.get(kind, 0) + 1
    report(
        "database restarted mid-traffic (pg_ctl stop -m fast, start)",
        {
            "requests": len(probes),
            "statuses": dict(sorted(statuses.items())),
            "database stop took / outage / start took (s)": (
                f"{stopped - stopping:.2f} / {starting - stopped:.2f} / {started - starting:.2f}"
            ),
            "requests during the outage": len(outage),
            "slowest failure during the outage (s)": round(
                max((p.seconds for p in outage), default=0.0), 3
            ),
            "time to recover after the database was up (s)": round(first_ok - started, 3),
            "time to recover after the start command (s)": round(first_ok - starting, 3),
            "failures after recovery": sum(1 for p in tail if p.status >= 400),
        },
    )

    for probe in probes:
        assert probe.status in {200, 201, 503}, probe
        if probe.status == 503:
            assert probe.code == "database_unavailable", probe
        assert probe.seconds < POOL_TIMEOUT + 1.0, probe
    assert _phase(api, 0, stopping)
    assert all(p.status < 400 for p in _phase(probes, 0, stopping))
    assert outage
    assert all(p.status == 503 for p in _phase(probes, stopped, starting))
    assert any(p.path == "/readyz" for p in _phase(probes, stopped, starting))
    assert tail
    assert all(p.status < 400 for p in tail), [p for p in tail if p.status >= 400]
    assert any(p.path == "/readyz" and p.status == 200 for p in probes if p.sent >= first_ok)


class _PostgresError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.pgcode = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "invalidated", "status", "code"),
    [
        ("57P03", False, 503, "database_unavailable"),  # starting up / shutting down
        ("57P01", False, 503, "database_unavailable"),  # terminated by an administrator
        ("08006", False, 503, "database_unavailable"),  # connection failure
        ("53300", False, 503, "database_unavailable"),  # too many connections
        ("XX000", True, 503, "database_unavailable"),  # the connection was lost
        ("22P02", False, 500, "internal_error"),  # a bug of ours stays a 500
    ],
)
async def test_a_database_that_cannot_serve_is_503_whatever_sqlalchemy_calls_it(
    settings: Settings, sqlstate: str, invalidated: bool, status: int, code: str
) -> None:
    """The restart's race, made deterministic: asyncpg's CannotConnectNowError reaches us as
    a plain DBAPIError, not an OperationalError."""
    app: FastAPI = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        orig = _PostgresError(sqlstate)
        raise sa_exc.DBAPIError("SELECT 1", None, orig, connection_invalidated=invalidated)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        assert_error(await http.get("/boom"), status, code)
