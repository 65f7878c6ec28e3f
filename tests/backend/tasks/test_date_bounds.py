"""Dates past what PostgreSQL, Python and a recurrence can hold are a 422 (a tool error in
chat), never a 500 — and a database error's log never quotes the statement's parameters."""

import logging
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.http.error_handlers import install_error_handlers
from tests.backend.support import assert_no_leak
from tests.mcp_tools.test_tasks import todo_server
from tests.tokens import AuthHeaders

TASKS = "/api/alice/tasks"
# The values the red team sent: one is past year 9999 in UTC, the other before year 1.
OUT_OF_RANGE = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-01T09:00:00Z",  # fits, but its next month does not
    "1899-12-31T23:59:59Z",
    "9000-01-01T00:00:00Z",
]


def _names_field(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in {str(part) for issue in body["detail"] for part in issue["loc"]}
    assert_no_leak(response)


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
async def test_due_and_remind_dates_out_of_range_are_422_on_every_write(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    db_engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
    moment: str,
) -> None:
    alice = auth("alice")
    assert (await client.post(TASKS, json={"title": "t"}, headers=alice)).status_code == 201
    bodies: list[dict[str, Any]] = [
        {"due_at": moment, "recurrence": "monthly"},
        {"due_at": moment},
        {"remind_at": moment},
    ]
    for body in bodies:
        field = next(iter(body))
        for method, path in (("POST", TASKS), ("PUT", f"{TASKS}/1"), ("PATCH", f"{TASKS}/1")):
            response = await client.request(
                method, path, json={"title": "t", **body}, headers=alice
            )
            _names_field(response, field)
    async with db_engine.connect() as connection:
        row = (await connection.execute(text("SELECT count(*), max(due_at) FROM tasks"))).one()
    assert tuple(row) == (1, None)
    assert moment[:10] not in caplog.text


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
async def test_due_before_and_after_out_of_range_are_422(
    client: httpx.AsyncClient, auth: AuthHeaders, caplog: pytest.LogCaptureFixture, moment: str
) -> None:
    for name in ("due_before", "due_after"):
        response = await client.get(TASKS, params={name: moment}, headers=auth("alice"))
        _names_field(response, name)
    assert moment[:10] not in caplog.text


async def test_the_range_edges_are_accepted_and_a_late_recurring_task_completes(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    alice = auth("alice")
    body = {"title": "t", "due_at": "8999-12-31T23:59:59Z", "recurrence": "monthly"}
    created = await client.post(TASKS, json=body, headers=alice)
    assert created.status_code == 201, created.text
    done = await client.patch(f"{TASKS}/1", json={"completed": True}, headers=alice)
    assert done.status_code == 200, done.text
    assert done.json()["next_task_id"] == 2
    nxt = (await client.get(f"{TASKS}/2", headers=alice)).json()
    assert nxt["due_at"].startswith("9000-01-31")
    early = await client.post(
        TASKS, json={"title": "t", "remind_at": "1900-01-01T00:00:00Z"}, headers=alice
    )
    assert early.status_code == 201, early.text
    listed = await client.get(TASKS, params={"due_after": "1900-01-01T00:00:00Z"}, headers=alice)
    assert listed.status_code == 200


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_tools_refuse_dates_out_of_range_in_a_sentence(
    db_engine: AsyncEngine, database: str, moment: str
) -> None:
    async with todo_server(db_engine) as todo:
        message = await todo.error("add_task", {"title": "t", "due": moment})
        assert "out of range" in message
        await todo.error("add_task", {"title": "t", "remind": moment[:10]})
        await todo.error("list_tasks", {"due_before": moment})
        await todo.ok("add_task", {"title": "t", "due": "2026-12-05"})


async def test_a_database_error_is_logged_without_the_statement_parameters(
    db_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        async with db_engine.connect() as connection:
            await connection.execute(text("SELECT :n + 1"), {"n": "hunter2-secret"})

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with caplog.at_level(logging.ERROR):
            response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "hunter2" not in response.text
    assert "database error" in caplog.text
    assert "hunter2" not in caplog.text
