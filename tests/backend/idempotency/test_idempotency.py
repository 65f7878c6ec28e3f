"""Idempotency-Key on POST /tasks and POST /chat, proven from outside: HTTP in, rows counted
in PostgreSQL, the scripted model's calls counted."""

import asyncio
from typing import Any

import httpx
import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.idempotency.store import request_hash
from backend.settings import Settings
from backend.tasks.schemas import TaskCreate
from tests.backend.chat_support import Gate, with_raw_header
from tests.backend.support import app_client, assert_error
from tests.rows import count_rows, task_titles
from tests.sse import SSE, names, sse_events
from tests.tokens import AuthHeaders

REPLAYED = "idempotent-replayed"
MESSAGES = "SELECT count(*) FROM messages"
CONVERSATIONS = "SELECT count(*) FROM conversations"


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def expire_keys(engine: AsyncEngine) -> None:
    """What 24 hours do to a key."""
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
        )


async def age_keys(engine: AsyncEngine, seconds: int) -> None:
    """Keys claimed `seconds` ago: what a request that died with its server leaves behind."""
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE idempotency_keys SET created_at = now() - make_interval(secs => :s)"),
            {"s": seconds},
        )


async def leave_key_in_progress(engine: AsyncEngine, user: str, value: str, digest: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO idempotency_keys (user_id, key, request_hash, expires_at)"
                " VALUES (:user, :key, :digest, now() + interval '1 day')"
            ),
            {"user": user, "key": value, "digest": digest},
        )


def add_task_turn(title: str, call_id: str) -> list[Any]:
    """Two model steps: call add_task, then confirm."""
    return [
        [function_call("add_task", {"title": title}, call_id=call_id)],
        [assistant_message(f'Added "{title}".')],
    ]


# --- POST /tasks -------------------------------------------------------------------------------


async def test_ten_concurrent_creates_with_one_key_make_one_task(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    headers = {**auth("alice"), **key("create-milk-1")}
    responses = await asyncio.gather(
        *(
            client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
            for _ in range(10)
        )
    )
    assert [r.status_code for r in responses] == [201] * 10
    assert {r.json()["id"] for r in responses} == {1}
    assert all(r.json() == responses[0].json() for r in responses)
    assert sum(REPLAYED not in r.headers for r in responses) == 1
    assert all(r.headers[REPLAYED] == "true" for r in responses if REPLAYED in r.headers)
    assert await task_titles(db_engine, "alice") == [(1, "Buy milk")]


async def test_a_replayed_create_returns_the_stored_task_and_creates_nothing(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    headers = {**auth("alice"), **key("k1")}
    first = await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    # The task changes afterwards: a replay is the answer the first request got, not a read.
    await client.patch("/api/alice/tasks/1", json={"title": "Buy oat milk"}, headers=auth("alice"))
    again = await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers[REPLAYED] == "true"
    assert REPLAYED not in first.headers
    assert await task_titles(db_engine, "alice") == [(1, "Buy oat milk")]


async def test_a_key_reused_with_another_body_is_422(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    headers = {**auth("alice"), **key("k1")}
    await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    for body in ({"title": "Buy bread"}, {"title": "Buy milk", "description": "2 litres"}):
        response = await client.post("/api/alice/tasks", json=body, headers=headers)
        assert_error(response, 422, "idempotency_key_reused")
    assert await task_titles(db_engine, "alice") == [(1, "Buy milk")]


async def test_keys_belong_to_their_user(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    alice = await client.post(
        "/api/alice/tasks", json={"title": "Alice's plan"}, headers={**auth("alice"), **key("k1")}
    )
    # Bob's identical key string is his own: another body is no reuse, and he never gets
    # Alice's stored answer.
    bob = await client.post(
        "/api/bob/tasks", json={"title": "Bob's errand"}, headers={**auth("bob"), **key("k1")}
    )
    bob_same_body = await client.post(
        "/api/bob/tasks", json={"title": "Alice's plan"}, headers={**auth("bob"), **key("k2")}
    )
    assert (alice.status_code, bob.status_code, bob_same_body.status_code) == (201, 201, 201)
    assert REPLAYED not in bob.headers
    assert bob.json()["title"] == "Bob's errand"
    assert await task_titles(db_engine, "alice") == [(1, "Alice's plan")]
    assert await task_titles(db_engine, "bob") == [(1, "Bob's errand"), (2, "Alice's plan")]


async def test_a_chat_key_left_running_by_a_dead_server_is_taken_over_once_stale(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    body = {"message": "Hello"}
    digest = request_hash("chat", {"message": "Hello", "conversation_id": None})
    await leave_key_in_progress(db_engine, "alice", "k1", digest)
    model = ScriptedModel([[assistant_message("Here now.")]])
    headers = {**auth("alice"), **key("k1")}
    async with app_client(settings, model) as client:
        fresh = await client.post("/api/alice/chat", json=body, headers=headers)
        await age_keys(db_engine, settings.chat_run_stale_seconds - 5)
        not_yet = await client.post("/api/alice/chat", json=body, headers=headers)
        await age_keys(db_engine, settings.chat_run_stale_seconds + 5)
        other_body = await client.post(
            "/api/alice/chat", json={"message": "Something else"}, headers=headers
        )
        taken_over = await client.post("/api/alice/chat", json=body, headers=headers)
        replayed = await client.post("/api/alice/chat", json=body, headers=headers)
    assert_error(fresh, 409, "idempotency_in_progress")
    assert_error(not_yet, 409, "idempotency_in_progress")
    assert_error(other_body, 422, "idempotency_key_reused")
    assert taken_over.status_code == 200
    assert taken_over.json()["response"] == "Here now."
    assert replayed.headers[REPLAYED] == "true"
    assert replayed.json() == taken_over.json()
    assert len(model.calls) == 1
    assert await count_rows(db_engine, MESSAGES) == 2


async def test_a_task_key_left_running_is_taken_over_after_five_minutes(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    # The hash of the body as the route reads it (every field, defaults included).
    digest = request_hash("tasks", TaskCreate(title="Buy milk").model_dump(mode="json"))
    await leave_key_in_progress(db_engine, "alice", "k1", digest)
    headers = {**auth("alice"), **key("k1")}
    await age_keys(db_engine, 4 * 60)
    not_yet = await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    await age_keys(db_engine, 6 * 60)
    taken_over = await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    assert_error(not_yet, 409, "idempotency_in_progress")
    assert taken_over.status_code == 201
    assert await task_titles(db_engine, "alice") == [(1, "Buy milk")]


@pytest.mark.parametrize(
    "bad_key",
    [
        pytest.param("k" * 256, id="256-chars"),
        pytest.param("two words", id="space"),
        pytest.param("tab\there", id="tab"),
        pytest.param("", id="empty"),
        pytest.param("clé".encode(), id="non-ascii-utf8"),
        pytest.param("ключ".encode(), id="cyrillic-utf8"),
    ],
)
async def test_malformed_keys_are_422(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine, bad_key: str | bytes
) -> None:
    headers = with_raw_header(auth("alice"), "Idempotency-Key", bad_key)
    response = await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    assert_error_or_validation(response)
    assert await count_rows(db_engine, "SELECT count(*) FROM tasks") == 0
    assert await count_rows(db_engine, "SELECT count(*) FROM idempotency_keys") == 0


def assert_error_or_validation(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"


async def test_the_longest_key_and_any_printable_ascii_are_accepted(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    for value in ("k" * 255, "order:42/retry#1!~{}", "550e8400-e29b-41d4-a716-446655440000"):
        headers = {**auth("alice"), **key(value)}
        response = await client.post("/api/alice/tasks", json={"title": "t"}, headers=headers)
        assert response.status_code == 201, (value, response.text)
        assert REPLAYED not in response.headers


async def test_a_key_runs_again_after_it_expires(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    headers = {**auth("alice"), **key("k1")}
    first = await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    await expire_keys(db_engine)
    again = await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert REPLAYED not in again.headers
    assert again.json()["id"] == 2
    assert await task_titles(db_engine, "alice") == [(1, "Buy milk"), (2, "Buy milk")]
    # And the fresh claim is stored again: a third try replays the second.
    third = await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    assert third.headers[REPLAYED] == "true"
    assert third.json() == again.json()


# --- POST /chat --------------------------------------------------------------------------------


async def test_ten_concurrent_chats_with_one_key_run_one_turn(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    gate = Gate()
    model = ScriptedModel([gate.step("Hello!")])
    headers = {**auth("alice"), **key("hello-1")}
    body = {"message": "Hello"}
    # Enough stream slots for all ten: this test is about the key, not the stream limit.
    async with app_client(settings, model, chat_max_streams_per_user=20) as client:
        first = asyncio.create_task(client.post("/api/alice/chat", json=body, headers=headers))
        await gate.wait_entered()
        others = await asyncio.gather(
            *(client.post("/api/alice/chat", json=body, headers=headers) for _ in range(9))
        )
        for response in others:
            assert_error(response, 409, "idempotency_in_progress")
            assert int(response.headers["retry-after"]) >= 1
        gate.opened.set()
        answer = await first
        assert answer.status_code == 200, answer.text
        late = await asyncio.gather(
            *(client.post("/api/alice/chat", json=body, headers=headers) for _ in range(10))
        )
    assert all(r.status_code == 200 and r.headers[REPLAYED] == "true" for r in late)
    assert all(r.json() == answer.json() for r in late)
    assert len(model.calls) == 1
    assert await count_rows(db_engine, CONVERSATIONS) == 1
    assert await count_rows(db_engine, MESSAGES) == 2  # one user message, one answer


async def test_ten_simultaneous_chats_with_one_key_store_one_turn(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    """All ten at the same instant: one claims the key, the rest are refused or replayed."""
    model = ScriptedModel(add_task_turn("Buy milk", "c1"))
    headers = {**auth("alice"), **key("milk-1")}
    body = {"message": "Add a task to buy milk"}
    async with app_client(settings, model, chat_max_streams_per_user=20) as client:
        responses = await asyncio.gather(
            *(client.post("/api/alice/chat", json=body, headers=headers) for _ in range(10))
        )
    ran = [r for r in responses if r.status_code == 200 and REPLAYED not in r.headers]
    assert len(ran) == 1, [(r.status_code, r.text) for r in responses]
    for response in responses:
        if response is ran[0]:
            continue
        if response.status_code == 200:
            assert response.json() == ran[0].json()
        else:
            assert_error(response, 409, "idempotency_in_progress")
    model.assert_complete()
    assert len(model.calls) == 2
    assert await task_titles(db_engine, "alice") == [(1, "Buy milk")]
    assert await count_rows(db_engine, MESSAGES) == 2


async def test_a_replayed_chat_runs_neither_model_nor_tools_as_json_and_as_sse(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel(add_task_turn("Buy milk", "c1"))
    headers = {**auth("alice"), **key("milk-1")}
    body = {"message": "Add a task to buy milk"}
    async with app_client(settings, model) as client:
        first = await client.post("/api/alice/chat", json=body, headers=headers)
        assert first.status_code == 200, first.text
        calls_after_first = len(model.calls)
        replay = await client.post("/api/alice/chat", json=body, headers=headers)
        streamed = await client.post("/api/alice/chat", json=body, headers={**headers, **SSE})
    assert len(model.calls) == calls_after_first == 2
    assert await task_titles(db_engine, "alice") == [(1, "Buy milk")]
    assert await count_rows(db_engine, MESSAGES) == 2

    assert replay.status_code == 200
    assert replay.headers[REPLAYED] == "true"
    assert replay.json() == first.json()
    assert first.json()["tool_calls"][0]["output"]["task_id"] == 1

    assert streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert streamed.headers[REPLAYED] == "true"
    events = sse_events(streamed.text)
    assert names(events) == ["conversation", "delta", "tool_call", "tool_result", "done"]
    data = {event.name: event.data for event in events}
    original = first.json()
    assert data["conversation"] == {
        "conversation_id": original["conversation_id"],
        "user_message_id": original["message_id"] - 1,
    }
    assert data["delta"]["text"] == original["response"]
    assert data["tool_call"] == {
        key: original["tool_calls"][0][key] for key in ("id", "name", "arguments")
    }
    assert data["tool_result"]["output"] == original["tool_calls"][0]["output"]
    assert data["done"] == original  # the JSON answer carries usage too (§20)


async def test_a_chat_key_reused_with_another_message_is_422(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel([[assistant_message("Hi!")]])
    headers = {**auth("alice"), **key("k1")}
    async with app_client(settings, model) as client:
        first = await client.post("/api/alice/chat", json={"message": "Hello"}, headers=headers)
        conversation = first.json()["conversation_id"]
        for body in (
            {"message": "Hello!"},
            {"message": "Hello", "conversation_id": conversation},
        ):
            response = await client.post("/api/alice/chat", json=body, headers=headers)
            assert_error(response, 422, "idempotency_key_reused")
    assert len(model.calls) == 1
    assert await count_rows(db_engine, MESSAGES) == 2


async def test_a_chat_replay_while_the_first_runs_is_409(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    gate = Gate()
    model = ScriptedModel([gate.step("Done thinking.")])
    headers = {**auth("alice"), **key("slow-1")}
    body = {"message": "Think hard"}
    async with app_client(settings, model) as client:
        first = asyncio.create_task(client.post("/api/alice/chat", json=body, headers=headers))
        await gate.wait_entered()
        for extra in ({}, SSE):
            busy = await client.post("/api/alice/chat", json=body, headers={**headers, **extra})
            assert_error(busy, 409, "idempotency_in_progress")
            assert busy.headers["retry-after"] == "1"
        gate.opened.set()
        answer = await first
        replay = await client.post("/api/alice/chat", json=body, headers=headers)
    assert answer.status_code == 200
    assert answer.json()["response"] == "Done thinking."
    assert replay.headers[REPLAYED] == "true"
    assert replay.json() == answer.json()
    assert len(model.calls) == 1
    assert await count_rows(db_engine, MESSAGES) == 2


async def test_chat_keys_belong_to_their_user(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel([[assistant_message("Hi Alice!")], [assistant_message("Hi Bob!")]])
    body = {"message": "Hello"}
    async with app_client(settings, model) as client:
        alice = await client.post(
            "/api/alice/chat", json=body, headers={**auth("alice"), **key("k1")}
        )
        bob = await client.post("/api/bob/chat", json=body, headers={**auth("bob"), **key("k1")})
    assert (alice.status_code, bob.status_code) == (200, 200)
    assert REPLAYED not in bob.headers
    assert bob.json()["response"] == "Hi Bob!"
    assert len(model.calls) == 2
    assert await count_rows(db_engine, MESSAGES) == 4


async def test_a_chat_key_runs_again_after_it_expires(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel([[assistant_message("First.")], [assistant_message("Second.")]])
    headers = {**auth("alice"), **key("k1")}
    body = {"message": "Hello"}
    async with app_client(settings, model) as client:
        first = await client.post("/api/alice/chat", json=body, headers=headers)
        await expire_keys(db_engine)
        again = await client.post("/api/alice/chat", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert REPLAYED not in again.headers
    assert again.json()["response"] == "Second."
    assert again.json()["conversation_id"] == first.json()["conversation_id"] + 1
    assert len(model.calls) == 2
    assert await count_rows(db_engine, MESSAGES) == 4


@pytest.mark.parametrize(
    "bad_key",
    [
        pytest.param("k" * 256, id="256-chars"),
        pytest.param("two words", id="space"),
        pytest.param("clé".encode(), id="non-ascii-utf8"),
    ],
)
async def test_malformed_chat_keys_are_422_before_anything_runs(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, bad_key: str | bytes
) -> None:
    model = ScriptedModel([])
    headers = with_raw_header(auth("alice"), "Idempotency-Key", bad_key)
    async with app_client(settings, model) as client:
        response = await client.post("/api/alice/chat", json={"message": "Hi"}, headers=headers)
    assert_error_or_validation(response)
    assert model.calls == ()
    assert await count_rows(db_engine, MESSAGES) == 0


@pytest.mark.parametrize("path", ["/api/alice/tasks", "/api/alice/chat"])
async def test_two_keys_on_one_request_are_422_and_nothing_runs(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine, path: str
) -> None:
    headers = [*auth("alice").items(), ("Idempotency-Key", "k1"), ("Idempotency-Key", "k2")]
    body = {"title": "Buy milk"} if path.endswith("tasks") else {"message": "add buy milk"}
    response = await client.post(path, json=body, headers=headers)
    assert_error_or_validation(response)
    assert response.json()["detail"][0]["loc"] == ["header", "idempotency-key"]
    assert await count_rows(db_engine, "SELECT count(*) FROM tasks") == 0
    assert await count_rows(db_engine, "SELECT count(*) FROM idempotency_keys") == 0
