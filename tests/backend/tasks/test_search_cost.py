"""Search costs what it finds, not what a user stored: the trigram index serves `q`, and a
search that still runs long is stopped at the search timeout with a 503 — while another user
is served as usual."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.support import app_client, assert_error
from tests.tokens import AuthHeaders

PATHOLOGICAL = "d" * 199 + "e"
ROWS = 2000


async def store_long_tasks(engine: AsyncEngine, owner: str, description: str) -> None:
    """ROWS tasks of `owner`, each with `description` (written directly: only searches run)."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO tasks (user_id, number, title, description)"
                " SELECT :owner, n, 'task ' || n, :description FROM generate_series(1, :rows) n"
            ),
            {"owner": owner, "description": description, "rows": ROWS},
        )
        await connection.execute(text("ANALYZE tasks"))


@contextmanager
def searches_sent(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement with ILIKE the app sends meanwhile, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "ILIKE" in statement.upper():
            sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


async def test_a_pathological_search_reads_no_rows_through_the_index(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    await store_long_tasks(db_engine, "mallory", "d" * 900)
    engine: AsyncEngine = app.state.services.engine
    with searches_sent(engine) as sent:
        response = await client.get(
            "/api/mallory/tasks", params={"q": PATHOLOGICAL}, headers=auth("mallory")
        )
    assert response.status_code == 200, response.text
    assert response.json() == {"tasks": [], "total": 0}
    statement, parameters = sent[0]
    async with engine.connect() as connection:
        explained = await connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
        )
        plan = explained.scalar_one()[0]["Plan"]
    nodes = list(plan_nodes(plan))
    assert {n.get("Index Name") for n in nodes} >= {"ix_tasks_search"}, plan
    heap_rows_checked = sum(n.get("Rows Removed by Filter", 0) for n in nodes)
    heap_rows_checked += sum(n.get("Rows Removed by Index Recheck", 0) for n in nodes)
    assert heap_rows_checked == 0, plan


async def test_a_search_past_the_timeout_is_503_and_another_user_is_served(
    auth: AuthHeaders, db_engine: AsyncEngine, settings: Settings
) -> None:
    # Descriptions holding the query's trigrams: the index cannot rule them out.
    await store_long_tasks(db_engine, "mallory", "d" * 899 + "e")
    async with app_client(settings, db_search_timeout=0.05) as app:
        await app.post("/api/bob/tasks", json={"title": "Buy milk"}, headers=auth("bob"))
        searches = [
            app.get("/api/mallory/tasks", params={"q": PATHOLOGICAL}, headers=auth("mallory"))
            for _ in range(10)
        ]
        bob = app.get("/api/bob/tasks", params={"q": "milk"}, headers=auth("bob"))
        *answers, bobs = await asyncio.gather(*searches, bob)
        ready = await app.get("/readyz")
    # One search at a time per user: the others at once are refused without running.
    timed_out = [a for a in answers if a.status_code == 503]
    assert timed_out
    for answer in timed_out:
        assert_error(answer, 503, "search_timed_out")
        assert answer.headers["retry-after"] == "5"
    for answer in answers:
        if answer.status_code != 503:
            assert_error(answer, 429, "search_busy")
    assert bobs.status_code == 200
    assert [t["title"] for t in bobs.json()["tasks"]] == ["Buy milk"]
    assert ready.status_code == 200
