"""Conversations over REST (docs/api.md §9) and the chat body's limits (docs/api.md §8)."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.conversations import chat as chat_module
from tests.backend.conversations.chatting import Chat
from tests.backend.support import assert_error
from tests.rows import message_rows
from tests.sse import SSE, names, sse_events

CONVERSATION_KEYS = {"id", "title", "created_at", "updated_at", "running"}
# The §9 keys, plus where the message sits among its versions (docs/api.md "Versions").
MESSAGE_KEYS = {"id", "role", "content", "tool_calls", "status", "created_at", "usage",
                "feedback", "parent_id", "versions"}  # fmt: skip


async def conversations(chat: Chat, **params: int) -> dict[str, Any]:
    response = await chat.http.get(
        f"/api/{chat.user}/conversations", params=params, headers=chat.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    for conversation in body["conversations"]:
        assert set(conversation) == CONVERSATION_KEYS
        assert conversation["running"] is False  # every answer here has ended
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [conversation["id"] for conversation in body["conversations"]]


async def test_conversations_are_listed_newest_first_and_paged(alice: Chat) -> None:
    assert await conversations(alice) == {"conversations": [], "total": 0}
    for text in ("hi", "Show me all my tasks", "What's pending?"):
        await alice.answer(text)
    assert ids(await conversations(alice)) == [3, 2, 1]
    assert (await conversations(alice))["total"] == 3
    first_page = await conversations(alice, limit=2)
    assert (ids(first_page), first_page["total"]) == ([3, 2], 3)
    second_page = await conversations(alice, limit=2, offset=2)
    assert (ids(second_page), second_page["total"]) == ([1], 3)
    past_the_end = await conversations(alice, limit=2, offset=5)
    assert past_the_end == {"conversations": [], "total": 3}
    # A new message makes its conversation the newest.
    await alice.answer("thanks", conversation_id=1)
    assert ids(await conversations(alice)) == [1, 3, 2]


async def test_messages_are_oldest_first_with_tool_calls_and_paging(alice: Chat) -> None:
    await alice.answer("Add a task to buy milk")
    await alice.answer("Show me all my tasks", conversation_id=1)
    await alice.answer("thanks", conversation_id=1)
    everything = await alice.messages(1)
    assert [(m["id"], m["role"]) for m in everything] == [
        (1, "user"), (2, "assistant"), (3, "user"), (4, "assistant"), (5, "user"), (6, "assistant"),
    ]  # fmt: skip
    for message in everything:
        assert set(message) == MESSAGE_KEYS
    assert [m["status"] for m in everything] == [None, "completed"] * 3
    assert [m["usage"] is None for m in everything] == [True, False] * 3
    assert [m["content"] for m in everything[::2]] == [
        "Add a task to buy milk",
        "Show me all my tasks",
        "thanks",
    ]
    added = everything[1]["tool_calls"]
    created = {"task_id": 1, "status": "created", "title": "Buy milk"}
    assert [(c["name"], c["arguments"], c["output"], c["is_error"]) for c in added] == [
        ("add_task", {"title": "Buy milk"}, created, False),
    ]
    assert everything[3]["tool_calls"][0]["name"] == "list_tasks"
    assert everything[5]["tool_calls"] == []
    assert all(m["tool_calls"] == [] for m in everything[::2])
    assert [m["id"] for m in await alice.messages(1, limit=2)] == [1, 2]
    assert [m["id"] for m in await alice.messages(1, limit=2, after=2)] == [3, 4]
    assert [m["id"] for m in await alice.messages(1, after=4)] == [5, 6]
    assert await alice.messages(1, after=6) == []


async def test_the_title_comes_from_the_first_message(alice: Chat) -> None:
    # Turns that change no task: the title stays the first message (test_titles.py: the
    # ones that do).
    await alice.answer("  Show me\n all my   tasks ")
    await alice.answer("Add a task to buy milk", conversation_id=1)
    long = "Show me " + "really " * 20 + "all my tasks"
    await alice.answer(long)
    listed = (await conversations(alice))["conversations"]
    assert listed[1]["title"] == "Show me all my tasks"
    title = listed[0]["title"]
    assert title.endswith("…")
    assert len(title) <= 80
    assert long.startswith(title[:-1])


async def test_rename_sets_a_title_that_later_messages_keep(alice: Chat) -> None:
    await alice.answer("Add a task to buy milk")
    response = await alice.http.patch(
        "/api/alice/conversations/1", json={"title": "  Groceries  "}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    renamed = response.json()
    assert set(renamed) == CONVERSATION_KEYS
    assert (renamed["id"], renamed["title"]) == (1, "Groceries")
    await alice.answer("Show me all my tasks", conversation_id=1)
    assert [c["title"] for c in (await conversations(alice))["conversations"]] == ["Groceries"]
    for bad in ({"title": "   "}, {"title": "x" * 201}, {"title": "ok", "extra": 1}, {}):
        rejected = await alice.http.patch(
            "/api/alice/conversations/1", json=bad, headers=alice.headers
        )
        assert rejected.status_code == 422, bad
        assert rejected.json()["code"] == "validation_error"
    assert [c["title"] for c in (await conversations(alice))["conversations"]] == ["Groceries"]


async def test_delete_removes_the_conversation_and_its_messages(
    alice: Chat, db_engine: AsyncEngine
) -> None:
    await alice.answer("Add a task to buy milk")
    await alice.answer("Show me all my tasks")
    path = "/api/alice/conversations/1"
    response = await alice.http.delete(path, headers=alice.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert [row[0] for row in await message_rows(db_engine, "alice")] == [2, 2]
    assert ids(await conversations(alice)) == [2]
    gone = await alice.http.get(f"{path}/messages", headers=alice.headers)
    assert_error(gone, 404, "conversation_not_found")
    again = await alice.http.delete(path, headers=alice.headers)
    assert_error(again, 404, "conversation_not_found")
    renamed = await alice.http.patch(path, json={"title": "x"}, headers=alice.headers)
    assert_error(renamed, 404, "conversation_not_found")
    chat = await alice.send("hello again", conversation_id=1)
    assert_error(chat, 404, "conversation_not_found")
    # Numbers are never reused: the next conversation is 3.
    assert (await alice.answer("hi"))["conversation_id"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {"message": ""},
        {"message": " \t\n\u3000 "},
        {"message": "x" * 4001},
        {"message": "nul \x00 byte"},
        {"message": "hi", "user_id": "bob"},
        {"message": "hi", "conversation_id": 0},
        {"message": "hi", "conversation_id": "one"},
        {"message": 42},
        {},
    ],
    ids=[
        "empty",
        "blank",
        "4001",
        "nul",
        "unknown_field",
        "id_0",
        "id_text",
        "not_text",
        "missing",
    ],
)
async def test_chat_body_validation(
    alice: Chat, db_engine: AsyncEngine, body: dict[str, Any]
) -> None:
    for accept in ({}, {"Accept": "text/event-stream"}):
        response = await alice.http.post(
            "/api/alice/chat", json=body, headers={**alice.headers, **accept}
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json()["code"] == "validation_error"
        assert "\x00" not in response.text
    assert await message_rows(db_engine, "alice") == []


async def test_a_message_is_stored_exactly_as_sent_and_titled_trimmed(alice: Chat) -> None:
    body = await alice.answer("  hello   there \n")
    assert (await alice.messages(body["conversation_id"]))[0]["content"] == "  hello   there \n"
    listed = await alice.http.get("/api/alice/conversations", headers=alice.headers)
    assert listed.json()["conversations"][0]["title"] == "hello there"


async def test_a_message_of_4000_characters_is_accepted(alice: Chat) -> None:
    body = await alice.answer("x" * 4000)
    assert body["conversation_id"] == 1
    assert (await alice.messages(1))[0]["content"] == "x" * 4000


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"after": -1}])
async def test_message_paging_is_validated(alice: Chat, params: dict[str, int]) -> None:
    await alice.answer("hi")
    response = await alice.http.get(
        "/api/alice/conversations/1/messages", params=params, headers=alice.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def _database_down() -> Exception:
    return sa_exc.OperationalError("INSERT INTO messages", None, OSError("connection reset"))


STORE_FAILURES = [
    pytest.param(lambda: RuntimeError("a bug of ours"), 500, "internal_error", id="our_bug"),
    pytest.param(_database_down, 503, "database_unavailable", id="database_down"),
]


@pytest.mark.parametrize(("error", "status", "code"), STORE_FAILURES)
@pytest.mark.parametrize("accept", [{}, SSE], ids=["json", "sse"])
async def test_a_failure_of_ours_after_the_message_was_stored_says_where_it_is(
    alice: Chat,
    db_engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
    error: Callable[[], Exception],
    status: int,
    code: str,
    accept: dict[str, str],
) -> None:
    async def store_answer_fails(*_: Any) -> Any:
        raise error()

    monkeypatch.setattr(chat_module, "_store_answer", store_answer_fails)
    response = await alice.http.post(
        "/api/alice/chat", json={"message": "hi"}, headers={**alice.headers, **accept}
    )

    expected = {"conversation_id": 1, "user_message_id": 1, "code": code}
    if accept:
        assert response.status_code == 200
        events = sse_events(response.text)
        assert names(events)[0] == "conversation"
        assert names(events)[-1] == "error"
        assert "done" not in names(events)
        assert events[-1].data["code"] == code
    else:
        assert response.status_code == status
        body = response.json()
        assert {key: body[key] for key in expected} == expected
        assert body["detail"]
        assert ("retry-after" in response.headers) == (code == "database_unavailable")
    assert "connection reset" not in response.text
    assert "bug of ours" not in response.text
    # The message is kept, no answer is stored, and the conversation takes the next one.
    assert await message_rows(db_engine, "alice") == [(1, 1, "user", "hi")]
    monkeypatch.undo()
    assert (await alice.answer("again", conversation_id=1))["message_id"] == 3
