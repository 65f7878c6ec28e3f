"""CHAT_CONFIRM=deletes (the default) on the offline model, over REST: a delete waits for the
person; approving runs it, declining never touches the row; typed replies decide; expiry
declines; a second decision is refused; another user sees and decides nothing."""

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.approvals.confirming import decide, message_statuses, pending, task_row
from tests.backend.conversations.chatting import Chat
from tests.backend.support import app_client, create_tasks
from tests.sse import SSE, SSEEvent, names, of_kind, sse_events
from tests.tokens import AuthHeaders


async def _paused_delete(alice: Chat) -> tuple[int, str]:
    """Alice has task 1 "Buy milk" and asked to delete it: the conversation and call id."""
    await create_tasks(alice.http, alice.headers, "alice", "Buy milk")
    events = await alice.stream("Delete task 1")
    assert names(events)[-2:] == ["approval", "done"], names(events)
    (asked,) = of_kind(events, "approval")
    done = events[-1].data
    assert asked["tool"] == "delete_task"
    assert asked["arguments"] == {"task_id": 1}
    assert asked["summary"] == "Delete task 1 “Buy milk”?"
    assert done["status"] == "awaiting_approval"
    assert done["approvals"] == [asked]
    assert "delete_task" not in [call["name"] for call in done["tool_calls"]]
    return done["conversation_id"], asked["id"]


async def test_a_delete_waits_and_runs_once_approved(alice: Chat, db_engine: AsyncEngine) -> None:
    conversation, call_id = await _paused_delete(alice)
    assert await task_row(db_engine, "alice", 1) is not None
    assert await message_statuses(db_engine, "alice") == [
        (1, "user", None),
        (2, "assistant", "awaiting_approval"),
    ]
    (waiting,) = await pending(alice, conversation)
    assert waiting["id"] == call_id
    assert waiting["summary"] == "Delete task 1 “Buy milk”?"

    response = await decide(alice, conversation, True, call_id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "completed"
    assert [(c["name"], c["output"]["status"]) for c in body["tool_calls"]] == [
        ("delete_task", "deleted")
    ]
    assert "Deleted task 1" in body["response"]
    assert await task_row(db_engine, "alice", 1) is None
    assert await pending(alice, conversation) == []
    again = await decide(alice, conversation, False, call_id)
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"


async def test_a_declined_delete_never_touches_the_row(alice: Chat, db_engine: AsyncEngine) -> None:
    conversation, call_id = await _paused_delete(alice)
    before = await task_row(db_engine, "alice", 1)

    events = await _decide_streamed(alice, conversation, call_id, approve=False)

    assert names(events)[0] == "conversation"
    assert names(events)[-1] == "done"
    done = events[-1].data
    assert done["status"] == "completed"
    assert done["response"] == "OK, I kept it."
    ((declined),) = done["tool_calls"]
    assert declined["name"] == "delete_task"
    assert declined["is_error"] is True
    assert await task_row(db_engine, "alice", 1) == before
    assert (await decide(alice, conversation, True)).json()["code"] == "already_decided"


async def _decide_streamed(
    alice: Chat, conversation: int, call_id: str, *, approve: bool
) -> list[SSEEvent]:
    response = await alice.http.post(
        f"/api/alice/conversations/{conversation}/approvals/{call_id}",
        json={"approve": approve},
        headers={**alice.headers, **SSE},
    )
    assert response.status_code == 200, response.text
    return sse_events(response.text)


async def test_typed_yes_approves(alice: Chat, db_engine: AsyncEngine) -> None:
    conversation, _ = await _paused_delete(alice)
    body = await alice.answer("Yes!", conversation)
    assert body["status"] == "completed"
    assert [c["name"] for c in body["tool_calls"]] == ["delete_task"]
    assert await task_row(db_engine, "alice", 1) is None


async def test_typed_no_declines(alice: Chat, db_engine: AsyncEngine) -> None:
    conversation, _ = await _paused_delete(alice)
    before = await task_row(db_engine, "alice", 1)
    body = await alice.answer("keep it.", conversation)
    assert body["response"] == "OK, I kept it."
    assert await task_row(db_engine, "alice", 1) == before


async def test_any_other_message_declines_and_is_answered(
    alice: Chat, db_engine: AsyncEngine
) -> None:
    conversation, call_id = await _paused_delete(alice)
    before = await task_row(db_engine, "alice", 1)
    body = await alice.answer("Show me all my tasks", conversation)
    assert [c["name"] for c in body["tool_calls"]] == ["list_tasks"]
    assert "Buy milk" in body["response"]
    assert await task_row(db_engine, "alice", 1) == before
    assert await pending(alice, conversation) == []
    late = await decide(alice, conversation, True, call_id)
    assert late.status_code == 409
    assert late.json()["code"] == "already_decided"


async def test_expiry_declines(alice: Chat, db_engine: AsyncEngine) -> None:
    conversation, call_id = await _paused_delete(alice)
    before = await task_row(db_engine, "alice", 1)
    async with db_engine.begin() as connection:
        await connection.execute(text("UPDATE paused_runs SET expires_at = now()"))
    assert await pending(alice, conversation) == []

    late = await decide(alice, conversation, True, call_id)
    assert late.status_code == 409
    assert late.json()["code"] == "already_decided"
    # A "yes" after the wait ended approves nothing either.
    await alice.answer("yes", conversation)
    assert await task_row(db_engine, "alice", 1) == before


async def test_two_decisions_at_once_run_the_call_once(alice: Chat, db_engine: AsyncEngine) -> None:
    conversation, call_id = await _paused_delete(alice)

    first, second = await asyncio.gather(
        decide(alice, conversation, True, call_id), decide(alice, conversation, True, call_id)
    )

    assert sorted([first.status_code, second.status_code]) == [200, 409]
    refused = first if first.status_code == 409 else second
    # The second waited on the paused run's row lock, then found it decided.
    assert refused.json()["code"] == "already_decided"
    deletes = await _stored_delete_results(db_engine)
    assert deletes == ["deleted"]


async def _stored_delete_results(db_engine: AsyncEngine) -> list[str]:
    async with db_engine.connect() as connection:
        found = await connection.execute(
            text(
                "SELECT c->'output'->>'status' FROM messages m,"
                " jsonb_array_elements(m.tool_calls) c WHERE c->>'name' = 'delete_task'"
            )
        )
        return [status for (status,) in found]


async def test_another_user_sees_and_decides_nothing(
    alice: Chat, bob: Chat, db_engine: AsyncEngine
) -> None:
    conversation, call_id = await _paused_delete(alice)
    for response in (
        await decide(bob, conversation, True, call_id),
        await decide(bob, conversation, True),
    ):
        assert response.status_code == 404, response.text
    assert await task_row(db_engine, "alice", 1) is not None
    assert len(await pending(alice, conversation)) == 1


async def test_unknown_approval_is_404(alice: Chat) -> None:
    conversation, _ = await _paused_delete(alice)
    response = await decide(alice, conversation, True, "call_nope")
    assert response.status_code == 404
    assert response.json()["code"] == "approval_not_found"


async def test_a_delete_by_name_looks_up_then_waits(alice: Chat, db_engine: AsyncEngine) -> None:
    await create_tasks(alice.http, alice.headers, "alice", "Buy milk", "Plan the team meeting")
    paused = await alice.answer("Delete the meeting task")
    assert [c["name"] for c in paused["tool_calls"]] == ["list_tasks"]
    assert [a["summary"] for a in paused["approvals"]] == ["Delete task 2 “Plan the team meeting”?"]

    body = await alice.answer("Go ahead.", paused["conversation_id"])

    assert "Deleted task 2" in body["response"]
    assert await task_row(db_engine, "alice", 2) is None
    assert await task_row(db_engine, "alice", 1) is not None


async def test_two_workers_deciding_at_once_run_the_call_once(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    """Two app instances (their own engines and pools, as two workers): the decisions race
    in PostgreSQL, not in one process."""
    async with app_client(settings) as one, app_client(settings) as other:
        alice, alice_elsewhere = Chat(one, auth("alice"), "alice"), Chat(other, auth("alice"))
        conversation, call_id = await _paused_delete(alice)
        for _ in range(3):  # the race, several times over: a fresh pause each time
            first, second = await asyncio.gather(
                decide(alice, conversation, True, call_id),
                decide(alice_elsewhere, conversation, True, call_id),
            )
            assert sorted([first.status_code, second.status_code]) == [200, 409]
            await create_tasks(one, alice.headers, "alice", "Buy milk")
            paused = await alice.answer("Delete the milk task", conversation)
            call_id = paused["approvals"][0]["id"]
    assert await _stored_delete_results(db_engine) == ["deleted"] * 3


async def test_a_replayed_key_repeats_the_question(alice: Chat) -> None:
    await create_tasks(alice.http, alice.headers, "alice", "Buy milk")
    headers = {**alice.headers, **SSE, "Idempotency-Key": "delete-1"}
    body = {"message": "Delete task 1", "conversation_id": None}
    first = await alice.http.post("/api/alice/chat", json=body, headers=headers)
    again = await alice.http.post("/api/alice/chat", json=body, headers=headers)
    first_events, replayed = sse_events(first.text), sse_events(again.text)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert of_kind(replayed, "approval") == of_kind(first_events, "approval")
    assert replayed[-1].data["approvals"] == first_events[-1].data["approvals"]
    assert replayed[-1].data["status"] == "awaiting_approval"


async def test_a_regenerated_or_edited_answer_declines_the_calls_waiting(
    alice: Chat, db_engine: AsyncEngine
) -> None:
    """A new version of a paused answer is a new message: what waited is declined."""
    conversation, call_id = await _paused_delete(alice)
    base = f"/api/alice/conversations/{conversation}/messages"
    again = await alice.http.post(f"{base}/2/regenerate", headers=alice.headers)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "awaiting_approval"  # the same question, asked anew
    assert await pending(alice, conversation) == again.json()["approvals"]
    late = await decide(alice, conversation, True, call_id)
    assert late.status_code == 409
    assert late.json()["code"] == "already_decided"
    edited = await alice.http.post(
        f"{base}/1/edit", json={"message": "Show me all my tasks"}, headers=alice.headers
    )
    assert edited.status_code == 200, edited.text
    assert await pending(alice, conversation) == []
    assert await task_row(db_engine, "alice", 1) is not None


async def test_choosing_a_version_declines_what_waits(alice: Chat, db_engine: AsyncEngine) -> None:
    """A paused answer resumed after a choice would land on a branch the person no longer
    sees: choosing declines the waiting calls, as a new message does."""
    conversation, _ = await _paused_delete(alice)
    before = await task_row(db_engine, "alice", 1)
    chosen = await alice.http.post(
        f"/api/alice/conversations/{conversation}/messages/1/choose", headers=alice.headers
    )
    assert chosen.status_code == 200, chosen.text
    assert await pending(alice, conversation) == []
    assert (await decide(alice, conversation, True)).json()["code"] == "already_decided"
    assert await task_row(db_engine, "alice", 1) == before
