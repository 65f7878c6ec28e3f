"""Searching conversations (`GET …/conversations?q=`, docs/api.md §9): titles and message
text, the owner's only, paged; on 10,000 conversations of one user the trigram indexes
serve it (EXPLAIN) and it stays fast."""

import time
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.conversations.seeding import seed
from tests.backend.support import assert_error
from tests.backend.tasks.test_search_cost import plan_nodes, searches_sent
from tests.tokens import AuthHeaders


async def search(
    client: httpx.AsyncClient, auth: AuthHeaders, user: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(f"/api/{user}/conversations", params=params, headers=auth(user))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [conversation["id"] for conversation in body["conversations"]]


async def test_search_finds_titles_and_message_text_of_the_owner_only(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    await seed(db_engine, "alice", 3, "Groceries", "buy oat MILK", "Added task 1")
    await seed(db_engine, "bob", 3, "Groceries", "buy milk", "Added the dentist")
    async with db_engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE conversations SET title = 'Dentist 100%' WHERE user_id = 'alice'"
                " AND number = 2"
            )
        )

    by_message = await search(client, auth, "alice", q="oat milk")
    assert (ids(by_message), by_message["total"]) == ([3, 2, 1], 3)
    by_title = await search(client, auth, "alice", q="dENTIST")
    assert ids(by_title) == [2]  # bob's answers name a dentist: never alice's results
    assert ids(await search(client, auth, "alice", q="100%")) == [2]
    assert ids(await search(client, auth, "alice", q="%")) == [2]  # a literal percent
    assert ids(await search(client, auth, "alice", q="_")) == []
    assert ids(await search(client, auth, "alice", q="buy oat milk 3")) == [3]
    paged = await search(client, auth, "alice", q="milk", limit=2, offset=2)
    assert (ids(paged), paged["total"]) == ([1], 3)
    assert await search(client, auth, "alice", q="nothing like it") == {
        "conversations": [],
        "total": 0,
    }


async def test_search_refuses_what_it_cannot_read(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    for q in ("a\x00b", "x" * 201):
        response = await client.get(
            "/api/alice/conversations", params={"q": q}, headers=auth("alice")
        )
        assert_error(response, 422, "validation_error")


async def test_search_on_ten_thousand_conversations_reads_the_trigram_indexes(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    await seed(db_engine, "alice", 10_000, "Chat", "what is pending", "Nothing is due today.")
    await seed(db_engine, "bob", 2_000, "Chat", "add a task to buy milk", "Added task 1.")
    async with db_engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE messages SET content = 'call the plumber about the sink'"
                " WHERE role = 'user' AND conversation_pk IN (SELECT pk FROM conversations"
                " WHERE user_id = 'alice' AND number IN (17, 4242))"
            )
        )
    engine: AsyncEngine = app.state.services.engine
    with searches_sent(engine) as sent:
        started = time.perf_counter()
        found = await search(client, auth, "alice", q="plumber")
        elapsed = time.perf_counter() - started
    assert (ids(found), found["total"]) == ([4242, 17], 2)
    assert elapsed < 1.0, elapsed  # the statement takes 0.1 ms here; room for a busy CI

    statement, parameters = sent[0]
    async with engine.connect() as connection:
        explained = await connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
        )
        plan = explained.scalar_one()[0]["Plan"]
    indexes = {node.get("Index Name") for node in plan_nodes(plan)}
    assert {"ix_messages_search", "ix_conversations_search"} <= indexes, plan
