"""Every surface records its changes with its source (and, for chat and ChatKit, the
conversation and the assistant message), and no change outlives a failed commit of its record:
a fault between the change and the commit rolls both back, on each surface."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.activity.faults import failing_commits
from tests.backend.chatkit.client import ChatKit
from tests.backend.conversations.chatting import Chat
from tests.mcp_tools.remote import bearer, mcp_client, served
from tests.rows import count_rows, rows, task_titles
from tests.tokens import AuthHeaders

ADD = "Add a task to buy groceries"


@pytest.fixture
def alice(auth: AuthHeaders) -> dict[str, str]:
    return auth("alice")


async def entries(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    return await rows(
        engine,
        "SELECT source, conversation_number, message_number, action, task_number "
        "FROM activity WHERE user_id = 'alice' ORDER BY number",
    )


async def test_rest(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    async with failing_commits(db_engine, "NEW.source = 'rest'"):
        response = await client.post("/api/alice/tasks", json={"title": "x"}, headers=alice)
        assert response.status_code == 500
        assert response.json()["code"] == "internal_error"
    assert await task_titles(db_engine, "alice") == []
    assert await entries(db_engine) == []
    await client.post("/api/alice/tasks", json={"title": "x"}, headers=alice)
    assert await entries(db_engine) == [("rest", None, None, "created", 1)]


async def test_chat(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    chat = Chat(client, alice)
    async with failing_commits(db_engine, "NEW.source = 'chat'"):
        failed = await chat.answer(ADD)
        assert failed["tool_calls"][0]["is_error"]
    assert await task_titles(db_engine, "alice") == []
    assert await entries(db_engine) == []
    answered = await chat.answer(ADD, failed["conversation_id"])
    assert await entries(db_engine) == [
        ("chat", answered["conversation_id"], answered["message_id"], "created", 1)
    ]


async def test_chatkit(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    kit = ChatKit(client, alice)
    async with failing_commits(db_engine, "NEW.source = 'chatkit'"):
        await kit.create(ADD)
    assert await task_titles(db_engine, "alice") == []
    assert await entries(db_engine) == []
    await kit.send("1", ADD)
    # Thread 1: messages 1, 2 (the failed turn), then 3 and the answer, 4.
    assert await entries(db_engine) == [("chatkit", 1, 4, "created", 1)]


async def test_mcp(settings: Settings, db_engine: AsyncEngine) -> None:
    async with served(settings) as url, mcp_client(url, bearer("alice")) as mcp:
        async with failing_commits(db_engine, "NEW.source = 'mcp'"):
            failed = await mcp.call_tool("add_task", {"title": "x"})
            assert failed.is_error
        assert await task_titles(db_engine, "alice") == []
        assert await entries(db_engine) == []
        assert not (await mcp.call_tool("add_task", {"title": "x"})).is_error
    assert await entries(db_engine) == [("mcp", None, None, "created", 1)]


async def test_recurrence(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    recurring = {"title": "water plants", "due_at": "2030-01-01T09:00:00Z", "recurrence": "daily"}
    await client.post("/api/alice/tasks", json=recurring, headers=alice)
    async with failing_commits(db_engine, "NEW.source = 'system'"):
        response = await client.patch("/api/alice/tasks/1/complete", headers=alice)
        assert response.status_code == 500
    assert (await client.get("/api/alice/tasks/1", headers=alice)).json()["completed"] is False
    assert await count_rows(db_engine, "SELECT count(*) FROM tasks") == 1
    assert len(await entries(db_engine)) == 1
    completed = await client.patch("/api/alice/tasks/1/complete", headers=alice)
    assert completed.json()["next_task_id"] == 2
    # The next occurrence's entry comes first (the order numbers are taken in, docs/api.md).
    assert (await entries(db_engine))[1:] == [
        ("system", None, None, "created", 2),
        ("rest", None, None, "completed", 1),
    ]


async def test_undo(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    await client.post("/api/alice/tasks", json={"title": "x"}, headers=alice)
    await client.delete("/api/alice/tasks/1", headers=alice)
    async with failing_commits(db_engine, "NEW.undo_of IS NOT NULL"):
        response = await client.post("/api/alice/activity/2/undo", headers=alice)
        assert response.status_code == 500
    assert await task_titles(db_engine, "alice") == []
    assert len(await entries(db_engine)) == 2
    assert (await client.post("/api/alice/activity/2/undo", headers=alice)).status_code == 200
    assert await task_titles(db_engine, "alice") == [(1, "x")]
