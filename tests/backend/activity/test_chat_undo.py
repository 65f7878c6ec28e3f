"""Undo from a conversation: "undo", "undo that", "take that back" (the offline model calls
undo_last_change) walk back the answers that changed something; an assistant message's
changes are undone over REST, all or none; the MCP tool works for any MCP client."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.chatkit.client import ChatKit
from tests.backend.conversations.chatting import Chat
from tests.mcp_tools.test_tasks import todo_server
from tests.rows import rows, task_titles
from tests.tokens import AuthHeaders


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Deletes run at once here: this is about undoing them (their confirmation first:
    tests/backend/approvals)."""
    return settings.model_copy(update={"chat_confirm": "none"})


@pytest.fixture
def chat(client: httpx.AsyncClient, auth: AuthHeaders) -> Chat:
    return Chat(client, auth("alice"))


def calls(answer: dict[str, Any]) -> list[str]:
    return [call["name"] for call in answer["tool_calls"]]


async def test_undo_phrases_walk_back_the_answers_that_changed_something(
    chat: Chat, db_engine: AsyncEngine
) -> None:
    added = await chat.answer("Add a task to buy groceries")
    conversation = added["conversation_id"]
    await chat.answer("Add a task to call mom", conversation)
    await chat.answer("Show me all my tasks", conversation)  # changes nothing
    deleted = await chat.answer("Delete task 1", conversation)
    assert calls(deleted) == ["delete_task"]
    assert await task_titles(db_engine, "alice") == [(2, "Call mom")]

    undone = await chat.answer("undo", conversation)
    assert calls(undone) == ["undo_last_change"]
    assert await task_titles(db_engine, "alice") == [(1, "Buy groceries"), (2, "Call mom")]
    assert "Buy groceries" in undone["response"]

    assert calls(await chat.answer("Take that back!", conversation)) == ["undo_last_change"]
    assert await task_titles(db_engine, "alice") == [(1, "Buy groceries")]
    assert calls(await chat.answer("undo that", conversation)) == ["undo_last_change"]
    assert await task_titles(db_engine, "alice") == []
    nothing = await chat.answer("undo", conversation)
    assert nothing["tool_calls"][0]["is_error"]
    assert "no change" in nothing["response"].lower()


async def test_a_message_undo_takes_back_what_that_answer_did(
    chat: Chat, client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    first = await chat.answer("Add a task to buy groceries")
    conversation = first["conversation_id"]
    second = await chat.answer("Add a task to call mom", conversation)
    alice = auth("alice")
    url = f"/api/alice/conversations/{conversation}/messages/{first['message_id']}/undo"

    response = await client.post(url, headers=alice)

    assert response.status_code == 200, response.text
    [entry] = response.json()["undone"]
    assert (entry["action"], entry["task_id"], entry["source"]) == ("deleted", 1, "rest")
    assert await task_titles(db_engine, "alice") == [(2, "Call mom")]
    again = await client.post(url, headers=alice)
    assert (again.status_code, again.json()["code"]) == (409, "already_undone")
    listed = await client.get(
        "/api/alice/activity", params={"conversation_id": conversation}, headers=alice
    )
    assert [(e["message_id"], e["action"]) for e in listed.json()["activity"]] == [
        (second["message_id"], "created"),
        (first["message_id"], "created"),
    ]
    user_message = first["message_id"] - 1
    missing = await client.post(
        f"/api/alice/conversations/{conversation}/messages/{user_message}/undo", headers=alice
    )
    assert missing.status_code == 404


async def test_mcp_clients_undo_their_own_last_change(engine: AsyncEngine) -> None:
    async with todo_server(engine) as todo:
        await todo.ok("add_task", {"title": "keep"})
        await todo.ok("add_task", {"title": "oops"})
        undone = await todo.ok("undo_last_change", {})
        assert undone["undone"] == [
            {"entry_id": 3, "action": "deleted", "task_id": 2, "title": "oops"}
        ]
        bobs = await todo.error("undo_last_change", {}, user="bob")
        assert "no change" in bobs.lower()
    assert await task_titles(engine, "alice") == [(1, "keep")]


@pytest.fixture
def engine(database: str, db_engine: AsyncEngine) -> AsyncEngine:
    return db_engine


async def test_undo_in_a_chatkit_thread(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    kit = ChatKit(client, auth("alice"))
    await kit.create("Add a task to buy groceries")
    await kit.send("1", "undo that")
    assert await task_titles(db_engine, "alice") == []
    assert await rows(
        db_engine,
        "SELECT source, message_number, action, undo_of FROM activity ORDER BY number",
    ) == [("chatkit", 2, "created", None), ("chatkit", 4, "deleted", 1)]
