"""Chat limits from outside: messages per minute and answers at once per user (429), tool
calls and destructive calls per turn, model turns per run (an `error` event), body size (413)
and message length (422)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.chat_support import Gate
from tests.backend.support import app_client, assert_error, create_tasks
from tests.polling import eventually
from tests.rows import count_rows, task_titles
from tests.sse import SSE, names, of_kind, sse_events
from tests.tokens import AuthHeaders

MESSAGES = "SELECT count(*) FROM messages"


FAILED_ANSWERS = "SELECT count(*) FROM messages WHERE role = 'assistant' AND status = 'failed'"


def replies(*texts: str) -> list[Any]:
    return [[assistant_message(text)] for text in texts]


# --- requests per minute, streams at once ------------------------------------------------------


async def test_the_fourth_message_in_a_minute_is_429_for_that_user_only(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel(replies("1", "2", "3", "bob's"))
    async with app_client(settings, model, chat_requests_per_minute=3) as client:
        accepted = [
            await client.post("/api/alice/chat", json={"message": f"m{i}"}, headers=auth("alice"))
            for i in range(3)
        ]
        refused = await client.post(
            "/api/alice/chat", json={"message": "m4"}, headers={**auth("alice"), **SSE}
        )
        bob = await client.post("/api/bob/chat", json={"message": "hi"}, headers=auth("bob"))
    assert [r.status_code for r in accepted] == [200, 200, 200]
    assert_error(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert bob.status_code == 200
    assert bob.json()["response"] == "bob's"
    model.assert_complete()
    assert await count_rows(db_engine, MESSAGES) == 8  # the refused message was never stored


async def test_a_second_answer_at_once_is_429_until_the_first_ends(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    gate = Gate()
    model = ScriptedModel([gate.step("First."), *replies("bob's", "Second.")])
    alice = auth("alice")
    async with app_client(settings, model, chat_max_streams_per_user=1) as client:
        first = asyncio.create_task(
            client.post("/api/alice/chat", json={"message": "one"}, headers={**alice, **SSE})
        )
        await gate.wait_entered()
        for extra in ({}, SSE):
            refused = await client.post(
                "/api/alice/chat", json={"message": "two"}, headers={**alice, **extra}
            )
            assert_error(refused, 429, "too_many_streams")
            assert int(refused.headers["retry-after"]) >= 1
        # Another user's answers are not counted against Alice's.
        bob = await client.post("/api/bob/chat", json={"message": "hi"}, headers=auth("bob"))
        assert bob.status_code == 200
        gate.opened.set()
        streamed = await first
        assert names(sse_events(streamed.text))[-1] == "done"
        again = await client.post("/api/alice/chat", json={"message": "two"}, headers=alice)
    assert again.status_code == 200
    assert again.json()["response"] == "Second."
    model.assert_complete()
    assert await count_rows(db_engine, MESSAGES) == 6


async def test_a_refused_or_failed_turn_gives_its_stream_slot_back(
    settings: Settings, auth: AuthHeaders
) -> None:
    model = ScriptedModel([RuntimeError("model adapter bug"), *replies("ok")])
    alice = auth("alice")
    async with app_client(settings, model, chat_max_streams_per_user=1) as client:
        missing = await client.post(
            "/api/alice/chat", json={"message": "x", "conversation_id": 99}, headers=alice
        )
        crashed = await client.post("/api/alice/chat", json={"message": "x"}, headers=alice)
        after = await client.post("/api/alice/chat", json={"message": "x"}, headers=alice)
    assert_error(missing, 404, "conversation_not_found")
    assert crashed.status_code == 500
    assert after.status_code == 200


RUNNING = "SELECT count(*) FROM conversations WHERE active_run_id IS NOT NULL"


async def _first_messages_at_once(
    clients: list[httpx.AsyncClient], headers: dict[str, str], count: int, db_engine: AsyncEngine
) -> tuple[list["asyncio.Task[httpx.Response]"], int]:
    """`count` first messages sent at the same moment, spread over `clients`; returns the
    requests once each was refused or holds a run, and how many runs are in progress."""
    requests = [
        asyncio.create_task(
            clients[n % len(clients)].post(
                "/api/alice/chat", json={"message": f"m{n}"}, headers=headers
            )
        )
        for n in range(count)
    ]

    async def settled() -> bool:
        refused = sum(request.done() for request in requests)
        return refused + await count_rows(db_engine, RUNNING) >= count

    await eventually(settled, 20, "every message refused or running")
    return requests, await count_rows(db_engine, RUNNING)


async def test_thirty_simultaneous_first_messages_start_only_the_limit(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    """Each start counted the user's runs before inserting its own: 30 at once started 20
    runs under a limit of 3."""
    gate = Gate()
    model = ScriptedModel([gate.step("ok") for _ in range(30)])
    limits = {"chat_max_streams_per_user": 3, "chat_requests_per_minute": 100}
    async with app_client(settings, model, **limits) as client:
        requests, running = await _first_messages_at_once([client], auth("alice"), 30, db_engine)
        gate.opened.set()
        responses = await asyncio.gather(*requests)
    assert running == 3
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 3 + [429] * 27
    for refused in (r for r in responses if r.status_code == 429):
        assert_error(refused, 429, "too_many_streams")
    assert await count_rows(db_engine, "SELECT count(*) FROM conversations") == 3


async def test_the_runs_limit_holds_across_two_app_instances(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    """Two servers on one database, as replicas are: 12 at once over two started 6."""
    gate = Gate()
    limits = {"chat_max_streams_per_user": 3, "chat_requests_per_minute": 100}
    async with (
        app_client(settings, ScriptedModel([gate.step("a") for _ in range(12)]), **limits) as one,
        app_client(settings, ScriptedModel([gate.step("b") for _ in range(12)]), **limits) as two,
    ):
        requests, running = await _first_messages_at_once([one, two], auth("alice"), 12, db_engine)
        gate.opened.set()
        responses = await asyncio.gather(*requests)
    assert running == 3
    assert sorted(r.status_code for r in responses) == [200] * 3 + [429] * 9


# --- tool calls, destructive calls, model turns per turn -----------------------------------------


async def test_destructive_calls_stop_at_the_cap_with_an_error_event(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await create_tasks(client, auth("alice"), "alice", *(f"task {i}" for i in range(1, 6)))
    await create_tasks(client, auth("bob"), "bob", "bob's 1", "bob's 2")
    # A model that deletes one task per step, five times.
    model = ScriptedModel(
        [[function_call("delete_task", {"task_id": i}, call_id=f"d{i}")] for i in range(1, 6)]
    )
    # Deletes run at once here: this is about the cap (confirmation: tests/backend/approvals).
    async with app_client(settings, model, chat_confirm="none") as turn_client:
        response = await turn_client.post(
            "/api/alice/chat",
            json={"message": "Delete everything"},
            headers={**auth("alice"), **SSE},
        )
    events = sse_events(response.text)
    assert names(events) == [
        "conversation",
        *["tool_call", "tool_result"] * 4,
        "error",
    ]
    results = of_kind(events, "tool_result")
    assert [r["is_error"] for r in results] == [False, False, False, True]
    assert "limit" in results[3]["output"]
    error = events[-1].data
    assert error["code"] == "tool_limit_exceeded"
    assert "destructive tool calls per turn" in error["detail"]
    assert len(model.calls) == 4
    assert await task_titles(db_engine, "alice") == [(4, "task 4"), (5, "task 5")]
    assert await task_titles(db_engine, "bob") == [(1, "bob's 1"), (2, "bob's 2")]


async def test_destructive_calls_in_one_step_are_capped_too(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    await create_tasks(client, auth("alice"), "alice", *(f"task {i}" for i in range(1, 6)))
    model = ScriptedModel(
        [[function_call("delete_task", {"task_id": i}, call_id=f"d{i}") for i in range(1, 6)]]
    )
    async with app_client(settings, model, chat_confirm="none") as turn_client:
        response = await turn_client.post(
            "/api/alice/chat", json={"message": "Delete everything"}, headers=auth("alice")
        )
        stored = await turn_client.get("/api/alice/conversations/1/messages", headers=auth("alice"))
        activity = await turn_client.get("/api/alice/activity", headers=auth("alice"))
    body = response.json()
    assert body["code"] == "tool_limit_exceeded"
    assert "destructive tool calls per turn" in body["detail"]
    assert len(await task_titles(db_engine, "alice")) == 2
    # The failed answer lists every call of the step, as the activity record has each delete
    # (parallel calls' results had been cut at the first one past the cap).
    answer = stored.json()["messages"][-1]
    assert answer["status"] == "failed"
    calls = {call["id"]: call["is_error"] for call in answer["tool_calls"]}
    assert sorted(calls) == [f"d{i}" for i in range(1, 6)]
    assert sorted(calls.values()) == [False] * 3 + [True] * 2
    deleted = [e for e in activity.json()["activity"] if e["action"] == "deleted"]
    assert len(deleted) == 3


async def test_tool_calls_stop_at_the_cap_with_an_error_event(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel([[function_call("list_tasks", {}, call_id=f"l{i}")] for i in range(1, 6)])
    async with app_client(settings, model, chat_max_tool_calls=3) as client:
        response = await client.post(
            "/api/alice/chat", json={"message": "Look again"}, headers={**auth("alice"), **SSE}
        )
    events = sse_events(response.text)
    assert names(events) == ["conversation", *["tool_call", "tool_result"] * 4, "error"]
    assert events[-1].data["code"] == "tool_limit_exceeded"
    assert "tool calls per turn" in events[-1].data["detail"]
    assert "destructive" not in events[-1].data["detail"]
    assert len(model.calls) == 4
    # The user's message stays; the answer so far is stored as failed (docs/api.md §8).
    assert await count_rows(db_engine, "SELECT count(*) FROM messages WHERE role = 'user'") == 1
    assert await count_rows(db_engine, FAILED_ANSWERS) == 1


async def test_a_model_that_keeps_calling_tools_stops_at_the_turn_limit(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel([[function_call("list_tasks", {}, call_id=f"l{i}")] for i in range(1, 4)])
    async with app_client(settings, model, chat_max_turns=2) as client:
        streamed = await client.post(
            "/api/alice/chat", json={"message": "Loop"}, headers={**auth("alice"), **SSE}
        )
    events = sse_events(streamed.text)
    assert names(events) == ["conversation", *["tool_call", "tool_result"] * 2, "error"]
    assert events[-1].data["code"] == "model_turn_limit"
    assert len(model.calls) == 2  # the third model call never happened
    assert await count_rows(db_engine, FAILED_ANSWERS) == 1


# --- request size ------------------------------------------------------------------------------


async def test_a_chat_body_over_the_cap_is_413_whether_announced_or_streamed(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel([])
    oversized = b'{"message": "' + b"x" * settings.max_body_bytes + b'"}'

    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(oversized), 4096):
            yield oversized[start : start + 4096]

    headers = {**auth("alice"), "Content-Type": "application/json"}
    async with app_client(settings, model) as client:
        announced = await client.post("/api/alice/chat", content=oversized, headers=headers)
        streamed = await client.post("/api/alice/chat", content=chunked(), headers=headers)
    for response in (announced, streamed):
        assert_error(response, 413, "payload_too_large")
    assert "content-length" not in streamed.request.headers
    assert model.calls == ()
    assert await count_rows(db_engine, MESSAGES) == 0


@pytest.mark.parametrize(
    ("length", "status"),
    [(4000, 200), (4001, 422), (0, 422)],
)
async def test_message_length_is_1_to_4000_characters(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, length: int, status: int
) -> None:
    model = ScriptedModel(replies("ok"))
    async with app_client(settings, model) as client:
        response = await client.post(
            "/api/alice/chat", json={"message": "é" * length}, headers=auth("alice")
        )
    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["code"] == "validation_error"
        assert model.calls == ()
        assert await count_rows(db_engine, MESSAGES) == 0
