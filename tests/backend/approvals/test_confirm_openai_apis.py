"""Confirmation over both OpenAI APIs (the fake provider, respx): the model's delete_task
waits; approving sends the tool's result to the model, declining sends it the refusal and
the row stays as it was. Every test runs once per API."""

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.approvals.confirming import decide, task_row
from tests.backend.conversations.chatting import Chat
from tests.backend.support import create_tasks
from tests.fakes.openai_frames import Call, Reply, ToolCalls, sequential
from tests.providers import APIS, ModelApi, dialogue, provider_app
from tests.sse import names
from tests.tokens import AuthHeaders

pytestmark = pytest.mark.parametrize("api", APIS)

DELETE = ToolCalls([Call("delete_task", {"task_id": 1}, call_id="call_del")])
DELETED = {"task_id": 1, "status": "deleted", "title": "Buy milk"}
DECLINED = "Not done: the person declined this call, so it did not run."


@pytest.mark.parametrize("approve", [True, False])
async def test_a_delete_waits_for_the_person(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi, approve: bool
) -> None:
    reply = "Deleted it." if approve else "OK, I kept it."
    async with provider_app(settings, api, script=sequential([DELETE, Reply(reply)])) as provider:
        chat = Chat(provider.client, auth("alice"))
        await create_tasks(chat.http, chat.headers, "alice", "Buy milk")
        before = await task_row(db_engine, "alice", 1)
        events = await chat.stream("delete buy milk")
        asked = events[-2].data
        paused_calls = len(provider.route.calls)
        response = await decide(chat, 1, approve, "call_del")
        resumed = provider.sent(1)

    # The call is announced, then waits; its result comes in the resumed run.
    assert names(events) == ["conversation", "tool_call", "approval", "done"]
    assert asked == {
        "id": "call_del",
        "tool": "delete_task",
        "arguments": {"task_id": 1},
        "summary": "Delete task 1 “Buy milk”?",
    }
    assert events[-1].data["status"] == "awaiting_approval"
    assert paused_calls == 1
    body = response.json()
    assert (body["status"], body["response"]) == ("completed", reply)
    (call,) = body["tool_calls"]
    assert (call["id"], call["is_error"]) == ("call_del", not approve)
    # What the model was told about its call when the run resumed.
    told = DELETED if approve else DECLINED
    assert dialogue(resumed)[-2:] == [
        ("call", "call_del", "delete_task", {"task_id": 1}),
        ("output", "call_del", told),
    ]
    if approve:
        assert await task_row(db_engine, "alice", 1) is None
    else:
        assert await task_row(db_engine, "alice", 1) == before
