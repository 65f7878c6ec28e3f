"""Every sentence ChatKit shows a person in its `error` events is plain language: no field
name, library wording or URL (issue 21, point 8). Each class of refusal a stream can meet,
as the person would meet it; the JSON replies keep their codes for programs."""

import asyncio
from typing import Any

import httpx
from agents.testing import ScriptedModel

from backend.http.errors import ConversationBusy
from backend.settings import Settings
from tests.backend.chat_support import Gate
from tests.backend.chatkit.client import ChatKit, errors, message, parse_stream
from tests.backend.support import app_client
from tests.plain import assert_plain
from tests.tokens import AuthHeaders


async def said(
    kit: ChatKit, kind: str, metadata: dict[str, Any] | None = None, **params: Any
) -> str:
    [error] = errors(parse_stream(await kit.post(kind, metadata=metadata, **params)))
    assert error.message is not None
    assert_plain(error.message)
    return error.message


async def test_each_refusal_in_a_stream_is_said_plainly(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    kit = ChatKit(client, auth("alice"))
    attachment = {**message("hi"), "attachments": ["att_1"]}

    sentences = [
        await said(kit, "threads.add_client_tool_output", thread_id="1", result={}),
        await said(
            kit, "threads.create", metadata={"timezone": "Mars/Olympus"}, input=message("hi")
        ),
        await said(kit, "threads.create", input=message("   ")),
        await said(kit, "threads.create", input=attachment),
        await said(kit, "threads.add_user_message", thread_id="9", input=message("hi")),
    ]

    assert sentences == [
        "This chat can't do that.",
        "Your time zone isn't one this chat knows; it can be a name such as Europe/Berlin.",
        "A message is 1 to 4000 characters of text, not blank.",
        "Attachments are not supported; send the message as text.",
        "Conversation not found.",
    ]


async def test_a_busy_conversation_is_said_plainly(settings: Settings, auth: AuthHeaders) -> None:
    gate = Gate()
    async with app_client(settings, ScriptedModel([gate.step("First answer.")])) as http:
        kit = ChatKit(http, auth("alice"))
        first = asyncio.create_task(kit.create("hello"))
        await gate.wait_entered()
        busy = [
            await said(kit, "threads.add_user_message", thread_id="1", input=message("hi")),
            await said(kit, "threads.retry_after_item", thread_id="1", item_id="msg_1"),
        ]
        gate.opened.set()
        assert not errors(await first)

    assert busy == [ConversationBusy.detail] * 2
