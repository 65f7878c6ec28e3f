"""A ChatKit message is a run like POST /chat's: the same agent and tools over both OpenAI
APIs (the provider faked at its HTTP API), the conversation's claim (a second message while
answering is ChatKit's error event with our sentence), provider failures as our sentence,
and retry from a user message."""

import asyncio

import pytest
from agents.testing import ScriptedModel, assistant_message
from chatkit.types import ThreadItemRemovedEvent, UserMessageItem, WorkflowItem
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.http.errors import ConversationBusy
from backend.settings import Settings
from tests.backend.chat_support import Gate
from tests.backend.chatkit.client import (
    ChatKit,
    answer_text,
    done_items,
    errors,
    message,
    parse_stream,
)
from tests.backend.conversations.chatting import assert_no_provider_text
from tests.backend.support import app_client, assert_error
from tests.fakes.openai_frames import Call, Reply, ToolCalls, respx_error_response, sequential
from tests.providers import APIS, ModelApi, provider_app
from tests.rows import message_rows, task_rows
from tests.tokens import AuthHeaders

REPLY = 'Added "Buy milk" as task 1.'


@pytest.mark.parametrize("api", APIS)
async def test_a_tool_turn_over_each_openai_api(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    script = sequential(
        [ToolCalls([Call("add_task", {"title": "Buy milk"}, call_id="c1")]), Reply(REPLY)]
    )
    async with provider_app(settings, api, script=script, chunk_size=3) as provider:
        events = await ChatKit(provider.client, auth("alice")).create("Add milk")
        stored = await provider.client.get(
            "/api/alice/conversations/1/messages", headers=auth("alice")
        )

    assert not errors(events)
    user, workflow, _ = done_items(events)
    assert isinstance(user, UserMessageItem)
    assert isinstance(workflow, WorkflowItem)
    assert [task.title for task in workflow.workflow.tasks] == ["Task 1 created: Buy milk"]
    assert answer_text(events) == REPLY
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", None, False)]
    assert [(m["role"], m["content"], m["status"]) for m in stored.json()["messages"]] == [
        ("user", "Add milk", None),
        ("assistant", REPLY, "completed"),
    ]


async def test_a_provider_failure_is_our_sentence_and_the_message_stays(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    async with provider_app(
        settings, "responses", side_effect=lambda r: respx_error_response(500)
    ) as provider:
        response = await ChatKit(provider.client, auth("alice")).post(
            "threads.create", input=message("hi")
        )
    events = parse_stream(response)
    assert_no_provider_text(response.text)
    assert [(e.message, e.allow_retry) for e in errors(events)] == [
        ("The AI model is unavailable right now; please retry.", True)
    ]
    # The failed answer is stored (nothing was written: no item shows it).
    assert await message_rows(db_engine, "alice") == [(1, 1, "user", "hi"), (1, 2, "assistant", "")]


async def test_a_second_message_while_answering_gets_the_busy_sentence_and_delete_waits(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    gate = Gate()
    model = ScriptedModel([gate.step("First answer.")])
    async with app_client(settings, model) as client:
        kit = ChatKit(client, auth("alice"))
        first = asyncio.create_task(kit.create("hello"))
        await gate.wait_entered()
        second = await kit.send("1", "are you there?")
        deleting = await kit.post("threads.delete", thread_id="1")
        gate.opened.set()
        answered = await first

    assert [(e.message, e.allow_retry) for e in errors(second)] == [
        (ConversationBusy.detail, False)
    ]
    assert len(second) == 1
    assert_error(deleting, 409, "conversation_running")
    assert answer_text(answered) == "First answer."
    assert await message_rows(db_engine, "alice") == [
        (1, 1, "user", "hello"),
        (1, 2, "assistant", "First answer."),
    ]


async def test_retry_after_a_message_answers_it_again_in_place_of_what_followed(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel(
        [[assistant_message("One.")], [assistant_message("Two.")], [assistant_message("Again.")]]
    )
    async with app_client(settings, model) as client:
        kit = ChatKit(client, auth("alice"))
        await kit.create("first")
        await kit.send("1", "second")
        retried = await kit.stream("threads.retry_after_item", thread_id="1", item_id="msg_3")
        not_mine = await kit.stream("threads.retry_after_item", thread_id="1", item_id="msg_2")
        items = [i.id for i in (await kit.items("1", order="asc")).data]

    assert not errors(retried)
    removed = [e.item_id for e in retried if isinstance(e, ThreadItemRemovedEvent)]
    assert removed == ["msg_3"]
    assert [i.id for i in done_items(retried)] == ["msg_5", "msg_6"]
    assert answer_text(retried) == "Again."
    # The model saw the message once, at the end of the history, and nothing of what followed.
    assert model.last_call is not None
    assert [(m["role"], m["content"]) for m in model.last_call.input] == [
        ("user", "first"),
        ("assistant", "One."),
        ("user", "second"),
    ]
    assert [e.message for e in errors(not_mine)] == ["Only a message you sent can be retried."]
    assert items == ["msg_1", "msg_2", "msg_5", "msg_6"]
    assert await message_rows(db_engine, "alice") == [
        (1, 1, "user", "first"),
        (1, 2, "assistant", "One."),
        (1, 5, "user", "second"),
        (1, 6, "assistant", "Again."),
    ]


async def test_the_persons_time_zone_comes_from_the_requests_metadata(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel([[assistant_message("Noted.")]])
    async with app_client(settings, model) as client:
        kit = ChatKit(client, auth("alice"))
        berlin = {"timezone": "Europe/Berlin"}
        answered = parse_stream(
            await kit.post("threads.create", metadata=berlin, input=message("hi"))
        )
        unknown = {"timezone": "Mars/Olympus"}
        refused = parse_stream(
            await kit.post("threads.create", metadata=unknown, input=message("hi"))
        )

    assert answer_text(answered) == "Noted."
    assert model.last_call is not None
    assert "in Europe/Berlin" in (model.last_call.system_instructions or "")
    assert [e.message for e in errors(refused)] == [
        "Your time zone isn't one this chat knows; it can be a name such as Europe/Berlin."
    ]
    assert len(await message_rows(db_engine, "alice")) == 2  # the refused message was not stored


async def test_retry_at_the_message_limit_deletes_nothing(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel([[assistant_message("One.")], [assistant_message("Two.")]])
    async with app_client(settings, model, chat_requests_per_minute=2) as client:
        kit = ChatKit(client, auth("alice"))
        await kit.create("first")
        await kit.send("1", "second")
        retried = await kit.stream("threads.retry_after_item", thread_id="1", item_id="msg_3")
        items = [i.id for i in (await kit.items("1", order="asc")).data]

    assert [(e.message or "").startswith("Too many chat messages") for e in errors(retried)] == [
        True
    ]
    assert not [e for e in retried if isinstance(e, ThreadItemRemovedEvent)]
    assert items == ["msg_1", "msg_2", "msg_3", "msg_4"]
    assert [row[2:] for row in await message_rows(db_engine, "alice")] == [
        ("user", "first"),
        ("assistant", "One."),
        ("user", "second"),
        ("assistant", "Two."),
    ]


async def test_retry_at_the_runs_limit_deletes_nothing(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    gate = Gate()
    model = ScriptedModel([[assistant_message("One.")], gate.step("Busy elsewhere.")])
    async with app_client(settings, model, chat_max_streams_per_user=1) as client:
        kit = ChatKit(client, auth("alice"))
        await kit.create("first")
        elsewhere = asyncio.create_task(kit.create("another thread"))
        await gate.wait_entered()
        retried = await kit.stream("threads.retry_after_item", thread_id="1", item_id="msg_1")
        items = [i.id for i in (await kit.items("1", order="asc")).data]
        gate.opened.set()
        await elsewhere

    assert len(errors(retried)) == 1
    assert not [e for e in retried if isinstance(e, ThreadItemRemovedEvent)]
    assert items == ["msg_1", "msg_2"]
    assert [row[1:] for row in await message_rows(db_engine, "alice")][:2] == [
        (1, "user", "first"),
        (2, "assistant", "One."),
    ]
