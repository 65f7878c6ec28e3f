"""Storm 5 (issue "Hardening III"): one user fires 10 searches a second, within the request
rate, over 10,000 tasks that hold every trigram of the query but never match it, while another
user lists their tasks. The other user is served throughout and the searches beyond one at a
time are refused at once (his p50 went from 6 ms to 230 ms, with 503s in bursts, when each
search held a connection of its own); his p99 beside its baseline is measured by `make bench`
(tests/bench/storms.py), and printed here."""

import asyncio
import statistics
import time

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving_in_thread
from tests.storms.attacks import ADVERSARIAL_DESCRIPTION, ADVERSARIAL_TASKS, SEARCH_QUERY
from tests.storms.support import report
from tests.tokens import TokenFactory

REQUESTS = 150
SEARCHES_PER_SECOND = 10


async def _store_attackers_tasks(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO tasks (user_id, number, title, description)"
                " SELECT 'mallory', n, 'task ' || n, :description"
                " FROM generate_series(1, :rows) n"
            ),
            {"description": ADVERSARIAL_DESCRIPTION, "rows": ADVERSARIAL_TASKS},
        )
        await connection.execute(text("ANALYZE tasks"))


async def _latencies(http: httpx.AsyncClient, token: str) -> list[float]:
    took: list[float] = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = await http.get("/api/bob/tasks", headers={"Authorization": f"Bearer {token}"})
        took.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return took


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


async def test_a_users_search_storm_is_bounded_and_another_user_is_served(
    settings: Settings, db_engine: AsyncEngine, make_token: TokenFactory
) -> None:
    await _store_attackers_tasks(db_engine)
    bob, mallory = make_token("bob"), make_token("mallory")
    app = create_app(settings.model_copy(update={"rest_requests_per_minute": 100_000}))
    async with serving_in_thread(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        for n in range(20):
            await http.post(
                "/api/bob/tasks",
                json={"title": f"t{n}"},
                headers={"Authorization": f"Bearer {bob}"},
            )
        await _latencies(http, bob)  # warm up
        baseline = await _latencies(http, bob)
        statuses: list[int] = []

        async def search() -> None:
            response = await http.get(
                "/api/mallory/tasks",
                params={"q": SEARCH_QUERY},
                headers={"Authorization": f"Bearer {mallory}"},
            )
            statuses.append(response.status_code)

        async def storm() -> None:
            searches: list[asyncio.Task[None]] = []
            try:
                while True:
                    searches.append(asyncio.create_task(search()))
                    await asyncio.sleep(1 / SEARCHES_PER_SECOND)
            finally:
                await asyncio.gather(*searches, return_exceptions=True)

        attack = asyncio.create_task(storm())
        under_attack = await _latencies(http, bob)
        attack.cancel()
        await asyncio.gather(attack, return_exceptions=True)

    report(
        "search storm",
        {
            "baseline p50/p99 ms": f"{_p(baseline, 50):.1f} / {_p(baseline, 99):.1f}",
            "under attack p50/p99 ms": f"{_p(under_attack, 50):.1f} / {_p(under_attack, 99):.1f}",
            "attacker's searches": f"{len(statuses)}: "
            + ", ".join(f"{s} x{statuses.count(s)}" for s in sorted(set(statuses))),
        },
    )
    # Bob was served throughout (every request 200, in _latencies) while the attacker's
    # searches beyond one at a time were refused at once. The p99 figures are reported, not
    # asserted: a wall-clock ratio on a shared CI machine is noise (docs/limits.md has them).
    assert set(statuses) <= {200, 429, 503}
    assert 429 in statuses
