"""Stopping a run (POST …/stop): the model request is closed upstream at once, every viewer
ends with `done` of status "stopped", the answer so far is stored as stopped; a tool call
already executing finishes and is recorded, and nothing further starts."""

import asyncio
import time

import httpx
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.chat_support import Gate
from tests.backend.runs.helpers import live, slow_answer
from tests.backend.support import app_client, assert_error, create_tasks
from tests.polling import eventually
from tests.rows import task_titles
from tests.sse import SSE, sse_events
from tests.tokens import AuthHeaders

STOP_WITHIN = 2.0


async def test_a_stop_ends_every_viewer_with_the_answer_so_far_stored_as_stopped(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with live(settings, auth, slow_answer()) as env:
        sender = env.chat("Tell me a long story")
        await sender.until(3)
        watcher = env.attach(1)
        await watcher.until(3)

        asked = time.monotonic()
        stopped = await env.stop(1)
        await sender.finished()
        await watcher.finished()
        ended_after = time.monotonic() - asked
        await env.provider.wait_for(lambda c: c.active_streams == 0)
        stored = await env.messages(1)
        again = await env.stop(1)

    assert stopped.status_code == 202
    assert ended_after < STOP_WITHIN
    assert (env.provider.cancelled_streams, env.provider.completed_streams) == (1, 0)
    for viewer in (sender, watcher):
        assert viewer.status == 200
        done = viewer.events[-1]
        assert (done.name, done.data["status"]) == ("done", "stopped")
        assert done.data["response"] == viewer.text
        assert [e.id for e in viewer.events] == [e.id for e in sender.events]
    assert 0 < len(sender.text) < len(" ".join(["word"] * 60))
    assert [(m["role"], m["status"]) for m in stored] == [("user", None), ("assistant", "stopped")]
    assert stored[1]["content"] == sender.text
    assert again.status_code == 204


async def test_a_json_waiter_gets_200_with_the_stopped_answer(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with live(settings, auth, slow_answer()) as env:
        waiting = asyncio.create_task(
            env.http.post("/api/alice/chat", json={"message": "hi"}, headers=auth("alice"))
        )
        await env.provider.wait_for(lambda c: c.active_streams == 1)
        assert (await env.stop(1)).status_code == 202
        async with asyncio.timeout(STOP_WITHIN):
            answer = await waiting
        stored = await env.messages(1)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["conversation_id"], body["message_id"], body["status"]) == (1, 2, "stopped")
    assert stored[1]["content"] == body["response"]
    assert stored[1]["status"] == "stopped"


async def _waiting_on_a_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            )
        )
    return bool(waiting)


async def test_a_tool_call_in_flight_finishes_and_is_recorded_and_nothing_further_starts(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel(
        [
            [function_call("add_task", {"title": "Buy milk"}, call_id="c1")],
            [assistant_message("Added it.")],
        ]
    )
    alice = auth("alice")
    async with app_client(settings, model) as client:
        await create_tasks(client, alice, "alice", "Existing")
        # Hold alice's task numbering row: the tool call blocks inside its transaction.
        async with db_engine.connect() as holder:
            transaction = await holder.begin()
            await holder.execute(
                text("SELECT * FROM user_sequences WHERE user_id = 'alice' FOR UPDATE")
            )
            chat = asyncio.create_task(
                client.post("/api/alice/chat", json={"message": "add milk"}, headers=alice)
            )
            await eventually(lambda: _waiting_on_a_lock(db_engine), 10, "the tool call blocked")
            stop = await client.post("/api/alice/conversations/1/stop", headers=alice)
            assert not chat.done()  # the run waits for the tool call
            await transaction.commit()
        async with asyncio.timeout(10):
            answer = await chat
        messages = (await client.get("/api/alice/conversations/1/messages", headers=alice)).json()
    assert stop.status_code == 202
    body = answer.json()
    assert (answer.status_code, body["status"], body["response"]) == (200, "stopped", "")
    assert [(c["name"], c["output"]["status"]) for c in body["tool_calls"]] == [
        ("add_task", "created")
    ]
    assert await task_titles(db_engine, "alice") == [(1, "Existing"), (2, "Buy milk")]
    assert messages["messages"][1]["tool_calls"] == body["tool_calls"]
    assert messages["messages"][1]["status"] == "stopped"
    assert len(model.calls) == 1  # no model call after the tool


async def test_stop_is_204_without_a_run_and_404_for_a_conversation_not_yours(
    settings: Settings, auth: AuthHeaders
) -> None:
    model = ScriptedModel([[assistant_message("Hello.")]])
    async with app_client(settings, model) as client:
        answered = await client.post(
            "/api/alice/chat", json={"message": "hi"}, headers=auth("alice")
        )
        assert answered.json()["status"] == "completed"
        idle = await client.post("/api/alice/conversations/1/stop", headers=auth("alice"))
        not_bobs = await client.post("/api/bob/conversations/1/stop", headers=auth("bob"))
        missing = await client.post("/api/alice/conversations/9/stop", headers=auth("alice"))
        other_path = await client.post("/api/alice/conversations/1/stop", headers=auth("bob"))
    assert idle.status_code == 204
    assert_error(not_bobs, 404, "conversation_not_found")
    assert_error(missing, 404, "conversation_not_found")
    assert_error(other_path, 403, "forbidden")


async def test_sse_of_a_stopped_run_over_asgi_ends_with_done_stopped(
    settings: Settings, auth: AuthHeaders
) -> None:
    """The same through the ASGI transport (whole body at once) with a scripted model that
    never answers: the stop alone ends the run."""
    gate = Gate()  # never opened: the model never answers
    model = ScriptedModel([gate.step("never")])
    async with app_client(settings, model) as client:
        streaming = asyncio.create_task(
            client.post("/api/alice/chat", json={"message": "hi"}, headers={**auth("alice"), **SSE})
        )

        await gate.wait_entered()
        assert (
            await client.post("/api/alice/conversations/1/stop", headers=auth("alice"))
        ).status_code == 202
        async with asyncio.timeout(STOP_WITHIN):
            response: httpx.Response = await streaming
    events = sse_events(response.text)
    assert [e.name for e in events] == ["conversation", "done"]
    assert events[-1].data["status"] == "stopped"
    assert events[-1].data["response"] == ""
