"""A run whose server died is taken over by a server that lives: the answer so far (its text
and the tool calls that returned) is stored as failed with `run_lost`, the conversation is
free again, and every attached viewer ends with `error` `run_lost`. A stop on such a run
releases it at once. A server that still beats keeps its runs."""

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.broker.base import Broker, LoggedEvent
from backend.runs import servers
from backend.runs.ref import RunRef
from backend.settings import Settings
from tests.backend.runs.helpers import Live, live, slow_answer
from tests.polling import eventually
from tests.tokens import AuthHeaders

# What a server that died mid-answer leaves in the run's log: text, a tool call that
# returned, and one that never did.
LEFT_BEHIND: list[tuple[str, dict[str, Any]]] = [
    ("conversation", {"conversation_id": 1, "user_message_id": 3}),
    ("delta", {"text": "Adding "}),
    ("tool_call", {"id": "c1", "name": "add_task", "arguments": {"title": "Milk"}}),
    ("tool_result", {"id": "c1", "name": "add_task", "output": {"task_id": 1}, "is_error": False}),
    ("delta", {"text": "it now"}),
    ("tool_call", {"id": "c2", "name": "list_tasks", "arguments": {}}),
]


@pytest.fixture(autouse=True)
def quick_beats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servers, "BEAT_SECONDS", 0.1)


async def a_run_of(db_engine: AsyncEngine, broker: Broker, server: uuid.UUID) -> uuid.UUID:
    """Alice's conversation 1 claimed a minute ago by a run of `server`, its log as
    LEFT_BEHIND."""
    run = uuid.uuid4()
    key = RunRef("alice", 1, run).key
    # The log first: a claim committed before it could be taken over with nothing to read.
    for seq, (name, data) in enumerate(LEFT_BEHIND, start=1):
        await broker.append(key, LoggedEvent(seq, name, data))
    async with db_engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE conversations SET active_run_id = :run,"
                " active_run_seen_at = now() - interval '60 seconds',"
                " active_run_server = :server,"
                " last_message_number = last_message_number + 1"
                " WHERE user_id = 'alice' AND number = 1"
            ),
            {"run": run, "server": server},
        )
        await connection.execute(
            text(
                "INSERT INTO messages (conversation_pk, number, role, content)"
                " SELECT pk, last_message_number, 'user', 'Add milk' FROM conversations"
                " WHERE user_id = 'alice' AND number = 1"
            )
        )
    return run


async def beating(
    db_engine: AsyncEngine, seconds_ago: int, server: uuid.UUID | None = None
) -> uuid.UUID:
    server = server or uuid.uuid4()
    async with db_engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO servers (id, beat_at) VALUES (:id, now() - make_interval(secs => :s))"
            ),
            {"id": server, "s": seconds_ago},
        )
    return server


def assert_stored_as_lost(message: dict[str, Any]) -> None:
    assert message["role"] == "assistant"
    assert message["status"] == "failed"
    assert message["error"]["code"] == "run_lost"
    assert message["content"] == "Adding it now"
    assert message["tool_calls"] == [
        {
            "id": "c1",
            "name": "add_task",
            "arguments": {"title": "Milk"},
            "output": {"task_id": 1},
            "is_error": False,
        }
    ]


async def answered(env: Live) -> Broker:
    await env.chat("hi").finished()
    broker: Broker = env.app.state.services.broker
    return broker


async def test_the_runs_of_a_server_that_stopped_beating_are_taken_over(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    async with live(settings, auth, slow_answer(reply_words=3)) as env:
        broker = await answered(env)
        dead = await beating(db_engine, seconds_ago=60)
        await a_run_of(db_engine, broker, dead)
        watcher = env.attach(1)
        await watcher.finished()
        await env.until_ended(1)
        stored = await env.messages(1)
        after = env.chat("Are you there?", conversation_id=1)
        await after.finished()
    assert watcher.names == [name for name, _ in LEFT_BEHIND] + ["error"]
    assert watcher.events[-1].data["code"] == "run_lost"
    assert [m["role"] for m in stored] == ["user", "assistant", "user", "assistant"]
    assert_stored_as_lost(stored[-1])
    assert after.names[-1] == "done"


async def test_a_stop_releases_a_run_whose_server_is_gone_at_once(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with live(settings, auth, slow_answer(reply_words=3)) as env:
        broker = await answered(env)
        monkeypatch.setattr(servers, "BEAT_SECONDS", 3600)  # only the stop can take it over
        await a_run_of(db_engine, broker, uuid.uuid4())  # a server with no row: shut down
        stopped = await env.stop(1)
        running = await env.running(1)
        stored = await env.messages(1)
    assert stopped.status_code == 202
    assert running is False
    assert_stored_as_lost(stored[-1])


async def test_a_server_that_beats_keeps_its_runs(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    async with live(settings, auth, slow_answer(reply_words=3)) as env:
        broker = await answered(env)
        alive = await beating(db_engine, seconds_ago=1)
        await a_run_of(db_engine, broker, alive)
        taken = await env.app.state.services.servers.take_over_lost()
        running = await env.running(1)
        refused = await env.http.post(
            "/api/alice/chat",
            json={"message": "again", "conversation_id": 1},
            headers=env.auth("alice"),
        )
    assert taken == 0
    assert running is True
    assert refused.status_code == 409


async def test_a_dead_servers_row_goes_once_its_runs_are_taken_over(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    async with live(settings, auth, slow_answer(reply_words=3)) as env:
        broker = await answered(env)
        # Its run first: a dead server's row without runs may be deleted at any beat.
        dead = uuid.uuid4()
        await a_run_of(db_engine, broker, dead)
        await beating(db_engine, seconds_ago=60, server=dead)

        async def forgotten() -> bool:
            async with db_engine.connect() as connection:
                found = await connection.scalar(
                    text("SELECT count(*) FROM servers WHERE id = :id"), {"id": dead}
                )
            return bool(found == 0)

        await eventually(forgotten, 10, "the dead server's row deleted")
        stored = await env.messages(1)
    assert_stored_as_lost(stored[-1])


async def test_a_claim_younger_than_the_dead_after_bound_is_left_to_its_server(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    """A server whose row is not written yet (it started while the database was away) has
    its fresh claims left alone by the beat."""
    async with live(settings, auth, slow_answer(reply_words=3)) as env:
        broker = await answered(env)
        await a_run_of(db_engine, broker, uuid.uuid4())
        async with db_engine.begin() as connection:
            await connection.execute(
                text("UPDATE conversations SET active_run_seen_at = now() WHERE number = 1")
            )
        taken = await env.app.state.services.servers.take_over_lost()
        running = await env.running(1)
    assert taken == 0
    assert running is True
