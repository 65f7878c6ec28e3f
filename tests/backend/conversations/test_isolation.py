"""One user's chat can never reach another's tasks or conversations (docs/api.md §4, §7)."""

import json
from typing import Any

import httpx
import pytest
from agents import FunctionTool
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.conversations.store import ConversationStore
from backend.settings import Settings
from tests.backend.conversations.chatting import Chat, tool_call
from tests.backend.support import app_client, assert_error, create_tasks
from tests.rows import stored_tasks, task_rows
from tests.tokens import AuthHeaders


async def test_a_model_naming_another_user_acts_for_the_chatting_user_only(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    """The model passes `user_id: "bob"` and bob's task numbers; only alice's list changes."""
    # The delete must run for this to mean anything: no confirmation step in between.
    settings = settings.model_copy(update={"chat_confirm": "none"})
    model = ScriptedModel(
        [
            [function_call("delete_task", {"task_id": 2, "user_id": "bob"}, call_id="c1")],
            [function_call("complete_task", {"task_id": 1, "user_id": "bob"}, call_id="c2")],
            [function_call("add_task", {"title": "Planted", "user_id": "bob"}, call_id="c3")],
            [function_call("list_tasks", {"user_id": "bob", "owner": "bob"}, call_id="c4")],
            [assistant_message("All done.")],
        ]
    )
    async with app_client(settings, model) as client:
        await create_tasks(client, auth("bob"), "bob", "Bob's secret", "Bob's plan")
        await create_tasks(client, auth("alice"), "alice", "Alice's task")
        bob_before = await stored_tasks(db_engine, "bob")
        response = await Chat(client, auth("alice")).send("do things")
        bobs_list = await client.get("/api/bob/tasks", headers=auth("bob"))
    model.assert_complete()
    assert response.status_code == 200, response.text
    alices = [
        {"id": 1, "title": "Alice's task", "description": None, "completed": True},
        {"id": 2, "title": "Planted", "description": None, "completed": False},
    ]
    assert response.json()["tool_calls"] == [
        tool_call("c1", "delete_task", {"task_id": 2, "user_id": "bob"}, "Task 2 was not found."),
        tool_call(
            "c2", "complete_task", {"task_id": 1, "user_id": "bob"},
            {"task_id": 1, "status": "completed", "title": "Alice's task"},
        ),
        tool_call(
            "c3", "add_task", {"title": "Planted", "user_id": "bob"},
            {"task_id": 2, "status": "created", "title": "Planted"},
        ),
        tool_call(
            "c4", "list_tasks", {"user_id": "bob", "owner": "bob"},
            {"tasks": alices, "count": 2},
        ),
    ]  # fmt: skip
    assert "Bob's" not in response.text
    assert await stored_tasks(db_engine, "bob") == bob_before
    assert [task["title"] for task in bobs_list.json()["tasks"]] == ["Bob's secret", "Bob's plan"]
    assert await task_rows(db_engine, "alice") == [
        (1, "Alice's task", None, True),
        (2, "Planted", None, False),
    ]
    # Nothing offered to the model could name a user in the first place.
    call = model.first_call
    assert call is not None
    for tool in call.tools:
        assert isinstance(tool, FunctionTool)
        schema = json.dumps(tool.params_json_schema).lower()
        assert "user" not in schema, tool.name
        assert "owner" not in schema, tool.name
    assert "alice" not in json.dumps(call.input)


@pytest.fixture
async def bobs_conversations(bob: Chat) -> list[dict[str, Any]]:
    """Bob has conversations 1 and 2; returns conversation 2's messages."""
    await bob.answer("Add a task to buy milk")
    await bob.answer("Add a task to call the bank")
    return await bob.messages(2)


async def test_another_users_conversation_is_404_like_a_missing_one(
    alice: Chat, bob: Chat, bobs_conversations: list[dict[str, Any]]
) -> None:
    await alice.answer("hi")  # alice's own conversation 1
    http, headers = alice.http, alice.headers
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/api/alice/conversations/{id}/messages", None),
        ("PATCH", "/api/alice/conversations/{id}", {"title": "Mine now"}),
        ("DELETE", "/api/alice/conversations/{id}", None),
        ("POST", "/api/alice/chat", {"message": "delete it", "conversation_id": "{id}"}),
    ]
    for method, path, body in requests:
        responses = []
        for conversation in (2, 99):  # bob's, and nobody's
            filled = json.loads(json.dumps(body).replace('"{id}"', str(conversation)))
            responses.append(
                await http.request(
                    method, path.format(id=conversation), json=filled, headers=headers
                )
            )
        foreign, missing = responses
        assert_error(foreign, 404, "conversation_not_found")
        assert foreign.json() == missing.json(), (method, path)
    sse = await http.post(
        "/api/alice/chat",
        json={"message": "delete it", "conversation_id": 2},
        headers={**headers, "Accept": "text/event-stream"},
    )
    assert_error(sse, 404, "conversation_not_found")

    assert await bob.messages(2) == bobs_conversations
    listed = await bob.http.get("/api/bob/conversations", headers=bob.headers)
    assert [(c["id"], c["title"]) for c in listed.json()["conversations"]] == [
        (2, "Add: Call the bank"),
        (1, "Add: Buy milk"),
    ]
    mine = await http.get("/api/alice/conversations", headers=headers)
    assert [c["id"] for c in mine.json()["conversations"]] == [1]
    assert len(await alice.messages(1)) == 2


async def test_a_title_calls_usage_reaches_its_owners_answer_only(
    alice: Chat, bob: Chat, db_engine: AsyncEngine
) -> None:
    """The title call's usage is added by the conversation's key and the answer's number
    (backend/conversations/titles.py): under another owner, the same pair changes nothing."""
    await alice.answer("Add a task to buy milk")
    await bob.answer("Add a task to call the bank")
    async with db_engine.connect() as connection:
        alices = await connection.scalar(
            text("SELECT pk FROM conversations WHERE user_id = 'alice' AND number = 1")
        )
    before = (await alice.messages(1), await bob.messages(1))
    added = dict.fromkeys(("requests", "input_tokens", "output_tokens"), 5)

    async with AsyncSession(db_engine) as session, session.begin():
        await ConversationStore(session, "bob").add_to_usage(alices, 2, added)
    assert (await alice.messages(1), await bob.messages(1)) == before

    async with AsyncSession(db_engine) as session, session.begin():
        await ConversationStore(session, "alice").add_to_usage(alices, 2, added)
    usage = before[0][1]["usage"]
    assert (await alice.messages(1))[1]["usage"] == {
        **usage,
        **{name: usage[name] + 5 for name in added},
    }
    assert await bob.messages(1) == before[1]


async def test_another_users_path_is_403(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    for method, path in [
        ("POST", "/api/bob/chat"),
        ("GET", "/api/bob/conversations"),
        ("GET", "/api/bob/conversations/1/messages"),
        ("DELETE", "/api/bob/conversations/1"),
    ]:
        body = {"message": "hi"} if method == "POST" else None
        response = await client.request(method, path, json=body, headers=auth("alice"))
        assert_error(response, 403, "forbidden")
