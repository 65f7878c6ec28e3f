"""Chat turns against both OpenAI APIs, mocked with respx: the real openai client and the SDK's
`OpenAIResponsesModel` (Responses: wire frames) or `OpenAIChatCompletionsModel` (Chat
Completions: chunks, tool-call arguments split by `index`) read what the provider streams,
tool-call arguments arriving in pieces. Every test runs once per API."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.conversations.chatting import Chat, assert_answered, tool_call
from tests.fakes.openai_frames import Call, Reply, ToolCalls, sequential
from tests.providers import APIS, ModelApi, dialogue, provider_app, reported_usage, tools_sent
from tests.rows import task_rows
from tests.sse import names
from tests.tokens import AuthHeaders

pytestmark = pytest.mark.parametrize("api", APIS)

TOOLS = {
    "add_task",
    "list_tasks",
    "complete_task",
    "delete_task",
    "update_task",
    "undo_last_change",
}
ASK = "Add a task to buy milk, two litres semi-skimmed"
ADD = {"title": "Buy milk", "description": "Two litres, semi-skimmed"}
ADDED = {"task_id": 1, "status": "created", "title": "Buy milk"}
REPLY = 'Added "Buy milk" as task 1.'

Body = dict[str, Any]


def _responses_wire(first: Body, second: Body) -> None:
    assert [item.get("type") for item in second["input"][1:]] == [
        "function_call",
        "function_call_output",
    ]


def _chat_completions_wire(first: Body, second: Body) -> None:
    # Usage is only streamed by OpenAI-compatible servers that are asked for it.
    assert first["stream_options"] == {"include_usage": True}
    assert [message["role"] for message in second["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
    ]


# What only one API's requests show of the first tool turn: the request before the tool call
# and the one that carries its result.
ASSERT_WIRE: dict[ModelApi, Callable[[Body, Body], None]] = {
    "responses": _responses_wire,
    "chat_completions": _chat_completions_wire,
}


def add_then_reply() -> list[ToolCalls | Reply]:
    return [ToolCalls([Call("add_task", ADD, call_id="call_add")]), Reply(REPLY)]


async def test_a_tool_turn_streams_in_order_and_is_stored(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    script = sequential(add_then_reply())
    async with provider_app(settings, api, script=script, chunk_size=3) as provider:
        chat = Chat(provider.client, auth("alice"))
        events = await chat.stream(ASK)
        stored = await chat.messages(1)
        first, second = provider.sent(0), provider.sent(1)
        reported = reported_usage(provider)
    calls = [tool_call("call_add", "add_task", ADD, ADDED)]
    done = assert_answered(events, calls=calls, response=REPLY)
    assert done["usage"] == stored[-1]["usage"] == {**reported, "model": "gpt-test"}
    assert names(events)[:3] == ["conversation", "tool_call", "tool_result"]
    assert set(names(events)[3:-1]) == {"delta"}
    assert len(names(events)) > 5  # the reply arrived in several deltas
    assert events[0].data == {"conversation_id": 1, "user_message_id": 1}
    assert (done["conversation_id"], done["message_id"]) == (1, 2)
    assert [(m["id"], m["role"], m["content"], m["tool_calls"]) for m in stored] == [
        (1, "user", ASK, []),
        (2, "assistant", REPLY, calls),
    ]
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", ADD["description"], False)]
    # What the app sent: streamed requests offering the six tools, none with a user parameter.
    assert len(provider.route.calls) == 2
    assert (first["stream"], first["model"]) == (True, "gpt-test")
    assert set(tools_sent(first)) == TOOLS
    for name, schema in tools_sent(first).items():
        assert not any("user" in p or "owner" in p for p in schema["properties"]), name
    assert "alice" not in json.dumps(first)
    assert dialogue(first) == [("user", ASK)]
    assert dialogue(second) == [
        ("user", ASK),
        ("call", "call_add", "add_task", ADD),
        ("output", "call_add", ADDED),
    ]
    ASSERT_WIRE[api](first, second)


async def test_json_mode_answers_with_one_body(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    async with provider_app(settings, api, script=sequential(add_then_reply())) as app:
        response = await Chat(app.client, auth("alice")).send(ASK)
        stored = await Chat(app.client, auth("alice")).messages(1)
        reported = reported_usage(app)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    # Both model calls' usage, summed, with the provider's cached and reasoning counts.
    assert reported["requests"] == 2
    assert reported["cached_tokens"] > 0
    assert reported["reasoning_tokens"] > 0
    usage = {**reported, "model": "gpt-test"}
    assert body == {
        "conversation_id": 1,
        "message_id": 2,
        "response": REPLY,
        "tool_calls": [tool_call("call_add", "add_task", ADD, ADDED)],
        "status": "completed",
        "usage": usage,
    }
    assert stored[-1]["tool_calls"] == body["tool_calls"]
    assert (stored[0]["usage"], stored[-1]["usage"]) == (None, usage)
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", ADD["description"], False)]


async def test_text_before_tools_and_parallel_calls_all_reach_the_answer(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    first = ToolCalls(
        [
            Call("add_task", {"title": "Buy bread"}, call_id="call_a"),
            Call("complete_task", {"task_id": 9}, call_id="call_b"),
        ],
        text="Let me do that. ",
    )
    script = sequential([first, Reply("Bread added; task 9 does not exist.")])
    async with provider_app(settings, api, script=script) as provider:
        chat = Chat(provider.client, auth("alice"))
        events = await chat.stream("Add bread and finish task 9")
        stored = await chat.messages(1)
        second = provider.sent(1)
    bread = {"task_id": 1, "status": "created", "title": "Buy bread"}
    calls = [
        tool_call("call_a", "add_task", {"title": "Buy bread"}, bread),
        tool_call("call_b", "complete_task", {"task_id": 9}, "Task 9 was not found."),
    ]
    response = "Let me do that. Bread added; task 9 does not exist."
    assert_answered(events, calls=calls, response=response)
    assert names(events).index("delta") < names(events).index("tool_call")
    assert (stored[1]["content"], stored[1]["tool_calls"]) == (response, calls)
    assert await task_rows(db_engine, "alice") == [(1, "Buy bread", None, False)]
    outputs = [turn for turn in dialogue(second) if turn[0] == "output"]
    assert outputs == [
        ("output", "call_a", bread),
        ("output", "call_b", "Task 9 was not found."),
    ]


async def test_a_later_turn_replays_earlier_tool_calls_with_their_results(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    deleting = ToolCalls([Call("delete_task", {"task_id": 1}, call_id="call_del")])
    script = sequential([*add_then_reply(), deleting, Reply("Deleted it.")])
    # About history: the delete runs at once (confirmation over both APIs:
    # tests/backend/approvals/test_confirm_openai_apis.py).
    settings = settings.model_copy(update={"chat_confirm": "none"})
    async with provider_app(settings, api, script=script) as provider:
        chat = Chat(provider.client, auth("alice"))
        await chat.stream(ASK)
        events = await chat.stream("delete it", conversation_id=1)
        stored = await chat.messages(1)
        later = provider.sent(2)
    deleted = {"task_id": 1, "status": "deleted", "title": "Buy milk"}
    calls = [tool_call("call_del", "delete_task", {"task_id": 1}, deleted)]
    assert_answered(events, calls=calls, response="Deleted it.")
    assert events[0].data == {"conversation_id": 1, "user_message_id": 3}
    assert dialogue(later) == [
        ("user", ASK),
        ("call", "call_add", "add_task", ADD),
        ("output", "call_add", ADDED),
        ("assistant", REPLY),
        ("user", "delete it"),
    ]
    assert [(m["id"], m["role"]) for m in stored] == [
        (1, "user"),
        (2, "assistant"),
        (3, "user"),
        (4, "assistant"),
    ]
    assert stored[3]["tool_calls"] == calls
    assert await task_rows(db_engine, "alice") == []
