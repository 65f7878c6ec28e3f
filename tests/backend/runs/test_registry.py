"""A run's life as others see it: `running` on the conversation, DELETE refused while it runs,
runs counted against the user's answers at once even when their client left, `conversation`
events on the user's feed, and a shutdown that stops runs and stores them as stopped."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from agents.testing import ScriptedModel
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.broker.base import Broker, FeedEvent
from backend.main import create_app
from backend.runs.ref import RunRef
from backend.settings import Settings
from tests.apps import running
from tests.backend.chat_support import Gate
from tests.backend.runs.helpers import live, slow_answer
from tests.backend.support import assert_error
from tests.polling import eventually
from tests.rows import count_rows
from tests.tokens import AuthHeaders


async def test_a_running_conversation_says_so_and_cannot_be_deleted_until_stopped(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with live(settings, auth, slow_answer()) as env:
        sender = env.chat("hi")
        await sender.until(1)
        during = await env.get("/conversations/1")
        listed = await env.get("/conversations")
        refused = await env.http.delete("/api/alice/conversations/1", headers=auth("alice"))
        await env.stop(1)
        await sender.finished()
        after = await env.get("/conversations/1")
        deleted = await env.http.delete("/api/alice/conversations/1", headers=auth("alice"))
        gone = await env.get("/conversations/1")
    assert during.status_code == 200
    assert {k: during.json()[k] for k in ("id", "title", "running")} == {
        "id": 1,
        "title": "hi",
        "running": True,
    }
    assert listed.json()["conversations"][0]["running"] is True
    body = assert_error(refused, 409, "conversation_running")
    assert "stop" in body["detail"]
    assert refused.headers["retry-after"]
    assert after.json()["running"] is False
    assert deleted.status_code == 204
    assert_error(gone, 404, "conversation_not_found")


async def test_a_run_whose_client_left_still_counts_as_an_answer_in_progress(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    provider = slow_answer(reply_words=2)
    async with live(settings, auth, provider, chat_max_streams_per_user=1) as env:
        await env.chat("an earlier conversation").finished()
        provider.reply_words = 60
        first = env.chat("first")
        await first.until(1)
        await first.leave()
        new = await env.http.post(
            "/api/alice/chat", json={"message": "second"}, headers=auth("alice")
        )
        existing = await env.http.post(
            "/api/alice/chat",
            json={"message": "to the earlier one", "conversation_id": 1},
            headers=auth("alice"),
        )
        bobs = await env.http.post("/api/bob/chat", json={"message": "hi"}, headers=auth("bob"))
        await env.until_ended(2)
        third = await env.http.post(
            "/api/alice/chat", json={"message": "third"}, headers=auth("alice")
        )
    assert_error(new, 429, "too_many_streams")
    assert_error(existing, 429, "too_many_streams")
    assert bobs.status_code == 200
    assert third.status_code == 200
    refused = await count_rows(
        db_engine,
        "SELECT count(*) FROM messages WHERE content IN ('second', 'to the earlier one')",
    )
    assert refused == 0


async def _next(feed: AsyncIterator[FeedEvent], count: int) -> list[FeedEvent]:
    events: list[FeedEvent] = []
    async with asyncio.timeout(10):
        async for event in feed:
            events.append(event)
            if len(events) == count:
                return events
    return events


def conversation_events(events: list[FeedEvent]) -> list[tuple[str, dict[str, Any]]]:
    return [(e.data["action"], e.data["conversation"]) for e in events if e.name == "conversation"]


async def test_the_chat_path_publishes_conversation_changes_to_its_owner_only(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with live(settings, auth, slow_answer(reply_words=5)) as env:
        broker: Broker = env.app.state.services.broker
        async with broker.subscribe("alice") as alices, broker.subscribe("bob") as bobs:
            await (env.chat("hi")).finished()
            await (env.chat("again", conversation_id=1)).finished()
            renamed = await env.http.patch(
                "/api/alice/conversations/1", json={"title": "Named"}, headers=auth("alice")
            )
            deleted = await env.http.delete("/api/alice/conversations/1", headers=auth("alice"))
            seen = conversation_events(await _next(alices, 6))
            await broker.publish("bob", FeedEvent("marker", {}))
            bob_saw = await _next(bobs, 1)
    assert (renamed.status_code, deleted.status_code) == (200, 204)
    assert [(action, c.get("running")) for action, c in seen] == [
        ("created", True),
        ("updated", False),
        ("updated", True),
        ("updated", False),
        ("updated", False),
        ("deleted", None),
    ]
    assert seen[0][1]["id"] == 1
    assert seen[4][1]["title"] == "Named"
    assert seen[5][1] == {"id": 1}
    assert set(seen[0][1]) == {"id", "title", "created_at", "updated_at", "running"}
    assert [e.name for e in bob_saw] == ["marker"]


async def test_a_shutdown_stops_the_runs_and_stores_them_as_stopped(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    gate = Gate()  # never opened: the model never answers
    app = create_app(settings, model=ScriptedModel([gate.step("never")]))
    async with running(app):
        started = await app.state.services.runs.start("alice", None, "hi")
        assert isinstance(started, RunRef)

        async def claimed() -> bool:
            return (
                await count_rows(
                    db_engine, "SELECT count(*) FROM conversations WHERE active_run_id IS NOT NULL"
                )
                == 1
            )

        await eventually(claimed, 10, "the run claimed its conversation")
    stored = await count_rows(
        db_engine, "SELECT count(*) FROM messages WHERE role = 'assistant' AND status = 'stopped'"
    )
    claimed_after = await count_rows(
        db_engine, "SELECT count(*) FROM conversations WHERE active_run_id IS NOT NULL"
    )
    assert (stored, claimed_after) == (1, 0)
