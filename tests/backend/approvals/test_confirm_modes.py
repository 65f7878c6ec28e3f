"""CHAT_CONFIRM's modes, and parallel tool calls that each wait (a scripted model that calls
two tools at once)."""

from collections.abc import AsyncIterator

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.main import create_app
from backend.settings import Settings, SettingsError, load_settings
from tests.apps import asgi_client, running
from tests.backend.approvals.confirming import decide, pending, task_row
from tests.backend.conversations.chatting import Chat
from tests.backend.support import create_tasks
from tests.tokens import AuthHeaders


@pytest.fixture
async def scripted(
    settings: Settings, auth: AuthHeaders
) -> AsyncIterator[tuple[Chat, ScriptedModel]]:
    model = ScriptedModel(
        [
            [
                function_call("delete_task", {"task_id": 1}, call_id="c1"),
                function_call("delete_task", {"task_id": 2}, call_id="c2"),
            ],
            [assistant_message("Deleted task 1 and kept task 2.")],
        ]
    )
    async with running(create_app(settings, model=model)) as app, asgi_client(app) as http:
        yield Chat(http, auth("alice"), "alice"), model


async def test_parallel_calls_each_wait(
    scripted: tuple[Chat, ScriptedModel], db_engine: AsyncEngine
) -> None:
    alice, model = scripted
    await create_tasks(alice.http, alice.headers, "alice", "Buy milk", "Call mom")
    kept = await task_row(db_engine, "alice", 2)

    paused = await alice.answer("delete both")
    conversation = paused["conversation_id"]
    assert paused["status"] == "awaiting_approval"
    assert [a["summary"] for a in paused["approvals"]] == [
        "Delete task 1 “Buy milk”?",
        "Delete task 2 “Call mom”?",
    ]

    first = (await decide(alice, conversation, True, "c1")).json()
    assert first["status"] == "awaiting_approval"  # c2 still waits
    assert [a["id"] for a in first["approvals"]] == ["c2"]
    assert [c["output"]["status"] for c in first["tool_calls"]] == ["deleted"]
    assert [a["id"] for a in await pending(alice, conversation)] == ["c2"]
    assert await task_row(db_engine, "alice", 1) is None

    last = (await decide(alice, conversation, False, "c2")).json()
    assert last["status"] == "completed"
    assert last["response"] == "Deleted task 1 and kept task 2."
    assert await task_row(db_engine, "alice", 2) == kept
    model.assert_complete()


async def _app_chat(
    settings: Settings, auth: AuthHeaders, **changes: object
) -> AsyncIterator[Chat]:
    configured = settings.model_copy(update=changes)
    async with running(create_app(configured)) as app, asgi_client(app) as http:
        yield Chat(http, auth("alice"), "alice")


async def test_none_deletes_at_once(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    async for alice in _app_chat(settings, auth, chat_confirm="none"):
        await create_tasks(alice.http, alice.headers, "alice", "Buy milk")
        body = await alice.answer("Delete task 1")
        assert body["status"] == "completed"
        assert await task_row(db_engine, "alice", 1) is None


async def test_changes_makes_every_write_wait(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    async for alice in _app_chat(settings, auth, chat_confirm="changes"):
        body = await alice.answer("Add a task to buy groceries")
        assert body["status"] == "awaiting_approval"
        assert [a["summary"] for a in body["approvals"]] == ["Add the task “Buy groceries”?"]
        assert await task_row(db_engine, "alice", 1) is None
        listed = await alice.answer("Show me all my tasks", body["conversation_id"])
        assert listed["status"] == "completed"  # reading never waits


def test_a_bad_mode_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_CONFIRM", "always")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == "CHAT_CONFIRM must be one of deletes, changes, none"


async def test_a_change_approved_later_keeps_the_persons_time_zone(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    """The REST decision carries no zone: the paused run remembers the one it was asked in."""
    async for alice in _app_chat(settings, auth, chat_confirm="changes"):
        alice.timezone = "Asia/Tokyo"
        body = await alice.answer("Add a task to pay rent tomorrow at 9am")
        assert body["status"] == "awaiting_approval"
        (asked,) = body["approvals"]
        response = await decide(alice, body["conversation_id"], True, asked["id"])
        assert response.status_code == 200, response.text
        (task,) = (await alice.http.get("/api/alice/tasks", headers=alice.headers)).json()["tasks"]
    assert task["due_at"].endswith("T00:00:00Z")  # 9:00 in Tokyo
