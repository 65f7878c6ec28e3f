"""Isolation between users (docs/api.md §4): someone else's task is 404, someone else's path 403."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.support import assert_error
from tests.rows import stored_tasks
from tests.tokens import AuthHeaders

ALICE_IDS = (1, 2, 3)


@pytest.fixture
async def alices_tasks(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> list[tuple[Any, ...]]:
    """Alice has three tasks (one described, one completed); returns the rows as stored."""
    alice = auth("alice")
    bodies = [
        {"title": "Alice's secret plan", "description": "top secret"},
        {"title": "Buy milk"},
        {"title": "Call mom"},
    ]
    for body in bodies:
        assert (await client.post("/api/alice/tasks", json=body, headers=alice)).status_code == 201
    assert (await client.patch("/api/alice/tasks/3/complete", headers=alice)).status_code == 200
    return await stored_tasks(db_engine)


def every_task_request(user: str, task_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    path = f"/api/{user}/tasks/{task_id}"
    return [
        ("GET", path, None),
        ("PUT", path, {"title": "hijacked", "completed": True}),
        ("PATCH", path, {"title": "hijacked"}),
        ("PATCH", f"{path}/complete", None),
        ("DELETE", path, None),
    ]


async def test_another_users_task_ids_are_404_like_missing_ones(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    db_engine: AsyncEngine,
    alices_tasks: list[tuple[Any, ...]],
) -> None:
    bob = auth("bob")
    missing = await client.get("/api/bob/tasks/99", headers=bob)
    assert_error(missing, 404, "task_not_found")
    for task_id in ALICE_IDS:
        for method, path, body in every_task_request("bob", task_id):
            response = await client.request(method, path, json=body, headers=bob)
            assert_error(response, 404, "task_not_found")
            assert response.json() == missing.json(), (method, path)
    assert await stored_tasks(db_engine) == alices_tasks


async def test_another_users_list_never_shows_their_tasks(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    db_engine: AsyncEngine,
    alices_tasks: list[tuple[Any, ...]],
) -> None:
    bob = auth("bob")
    for params in ({}, {"status": "completed"}, {"status": "pending"}, {"q": "secret"}):
        response = await client.get("/api/bob/tasks", params=params, headers=bob)
        assert response.status_code == 200
        assert response.json() == {"tasks": [], "total": 0}

    created = await client.post("/api/bob/tasks", json={"title": "Bob's task"}, headers=bob)
    assert created.json()["id"] == 1
    listed = (await client.get("/api/bob/tasks", headers=bob)).json()
    assert [(t["id"], t["title"]) for t in listed["tasks"]] == [(1, "Bob's task")]
    assert listed["total"] == 1
    # Bob's number 1 is his own task, not Alice's number 1.
    assert (await client.get("/api/bob/tasks/1", headers=bob)).json()["title"] == "Bob's task"
    alices_now = [row for row in await stored_tasks(db_engine) if row[1] == "alice"]
    assert alices_now == alices_tasks


async def test_a_token_for_another_user_path_is_403(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    db_engine: AsyncEngine,
    alices_tasks: list[tuple[Any, ...]],
) -> None:
    alice = auth("alice")
    requests = [
        ("GET", "/api/bob/tasks", None),
        ("POST", "/api/bob/tasks", {"title": "planted by alice"}),
        *every_task_request("bob", 1),
    ]
    for method, path, body in requests:
        response = await client.request(method, path, json=body, headers=alice)
        assert_error(response, 403, "forbidden")
    # Bob's token on Alice's own paths is refused the same way, even for ids that exist.
    for method, path, body in every_task_request("alice", 1):
        response = await client.request(method, path, json=body, headers=auth("bob"))
        assert_error(response, 403, "forbidden")
    assert await stored_tasks(db_engine) == alices_tasks


async def test_user_ids_in_paths_match_exactly(
    client: httpx.AsyncClient, auth: AuthHeaders, alices_tasks: list[tuple[Any, ...]]
) -> None:
    alice = auth("alice")
    for other in ("Alice", "alice%20", "alic%25"):
        response = await client.get(f"/api/{other}/tasks/1", headers=alice)
        assert_error(response, 403, "forbidden")
