"""One search at a time per user, on every process and replica (a PostgreSQL lock): ten
searches a second, each running up to the search timeout, took the pool from other users.
A second search at once is 429 search_busy (a tool error in chat); other users search on.
Tasks and conversations are one user's searches alike: the same texts' owner, the same pool."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db.search import _LOCK_SPACE
from tests.backend.support import assert_error
from tests.mcp_tools.test_tasks import todo_server
from tests.tokens import AuthHeaders

HOLD = text("SELECT pg_advisory_xact_lock(:space, hashtext(:owner))")


@asynccontextmanager
async def alices_search_running(db_engine: AsyncEngine) -> AsyncIterator[None]:
    """Alice's first search is running (in another process, as far as this one can tell)."""
    async with db_engine.connect() as running, running.begin():
        await running.execute(HOLD, {"space": _LOCK_SPACE, "owner": "alice"})
        yield


def assert_busy(response: httpx.Response) -> None:
    body = assert_error(response, 429, "search_busy")
    assert response.headers["retry-after"] == "1"
    assert "still running" in body["detail"]


async def test_a_second_search_at_once_is_refused_and_others_search_on(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine, database: str
) -> None:
    alice, bob = auth("alice"), auth("bob")
    for headers, who in ((alice, "alice"), (bob, "bob")):
        created = await client.post(f"/api/{who}/tasks", json={"title": "milk"}, headers=headers)
        assert created.status_code == 201
    async with alices_search_running(db_engine):
        second = await client.get("/api/alice/tasks", params={"q": "milk"}, headers=alice)
        plain = await client.get("/api/alice/tasks", headers=alice)
        bobs = await client.get("/api/bob/tasks", params={"q": "milk"}, headers=bob)
        async with todo_server(db_engine) as todo:
            tool = await todo.error("list_tasks", {"query": "milk"})
    assert_busy(second)
    assert "still running" in tool
    assert plain.status_code == 200  # a list without search text takes no turn
    assert bobs.json()["total"] == 1
    after = await client.get("/api/alice/tasks", params={"q": "milk"}, headers=alice)
    assert after.json()["total"] == 1


async def test_a_conversation_search_waits_its_turn_like_a_task_search(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine, database: str
) -> None:
    alice, bob = auth("alice"), auth("bob")
    for headers, who in ((alice, "alice"), (bob, "bob")):
        sent = await client.post(f"/api/{who}/chat", json={"message": "add milk"}, headers=headers)
        assert sent.status_code == 200
    async with alices_search_running(db_engine):
        second = await client.get("/api/alice/conversations", params={"q": "milk"}, headers=alice)
        plain = await client.get("/api/alice/conversations", headers=alice)
        bobs = await client.get("/api/bob/conversations", params={"q": "milk"}, headers=bob)
    assert_busy(second)
    assert plain.json()["total"] == 1
    assert bobs.json()["total"] == 1
    after = await client.get("/api/alice/conversations", params={"q": "milk"}, headers=alice)
    assert after.json()["total"] == 1
