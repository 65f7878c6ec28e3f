"""A ChatKit conversation with the built-in offline model: the spec's commands as one thread,
every event parsed as ChatKit's `ThreadStreamEvent`, the tasks changed in PostgreSQL, and the
same conversation over REST, both ways."""

from typing import Any

import httpx
import pytest
from chatkit.types import (
    AssistantMessageItem,
    ThreadCreatedEvent,
    ThreadUpdatedEvent,
    UserMessageItem,
    UserMessageTextContent,
    WorkflowItem,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.chatkit.client import (
    ChatKit,
    answer_text,
    composed,
    done_items,
    errors,
    kinds,
    streamed_text,
    tag,
)
from tests.backend.conversations.test_offline_conversation import CONVERSATION
from tests.rows import task_rows
from tests.tokens import AuthHeaders


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The spec's table as it runs: deletes at once here (a delete waiting for the person in
    ChatKit: test_questions.py)."""
    return settings.model_copy(update={"chat_confirm": "none"})


def made(calls: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(call["name"], call["arguments"]) for call in calls]


async def test_the_spec_table_as_one_chatkit_thread(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    kit = ChatKit(client, auth("alice"))
    for turn, (said, calls, rows, words) in enumerate(CONVERSATION):
        events = await (kit.create(said) if turn == 0 else kit.send("1", said))
        assert not errors(events), said
        user, *answer = done_items(events)
        assert isinstance(user, UserMessageItem)
        assert (user.id, user.thread_id) == (f"msg_{2 * turn + 1}", "1")
        workflows = [item for item in answer if isinstance(item, WorkflowItem)]
        assert [len(w.workflow.tasks) for w in workflows] == [len(calls)], said
        assert answer[-1].id == f"msg_{2 * turn + 2}"
        for word in words:
            assert word in answer_text(events), (said, answer_text(events))
        assert await task_rows(db_engine, "alice") == rows, said

    stored = (
        await client.get("/api/alice/conversations/1/messages?limit=100", headers=auth("alice"))
    ).json()["messages"]
    assert [m["content"] for m in stored[::2]] == [said for said, *_ in CONVERSATION]
    assert [made(m["tool_calls"]) for m in stored[1::2]] == [calls for _, calls, *_ in CONVERSATION]
    assert {m["status"] for m in stored[1::2]} == {"completed"}


async def test_a_new_thread_streams_its_creation_title_steps_and_answer(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    events = await ChatKit(client, auth("alice")).create("Add a task to buy groceries")

    assert kinds(events)[:3] == ["thread.created", "thread.item.done", "stream_options"]
    created = events[0]
    assert isinstance(created, ThreadCreatedEvent)
    assert created.thread.id == "1"
    titled = [event for event in events if isinstance(event, ThreadUpdatedEvent)]
    # Named after the first message, then, once answered, after what the exchange did.
    assert [event.thread.title for event in titled] == [
        "Add a task to buy groceries",
        "Add: Buy groceries",
    ]
    assert events[-1] == titled[-1]
    workflow, message = done_items(events)[1:]
    assert isinstance(workflow, WorkflowItem)
    assert [task.title for task in workflow.workflow.tasks] == ["Task 1 created: Buy groceries"]
    assert isinstance(message, AssistantMessageItem)
    assert message.content[0].text == 'Added "Buy groceries" as task 1.'
    # The answer's text streamed as deltas that add up to what was stored.
    assert streamed_text(events) == message.content[0].text


async def test_a_conversation_started_over_rest_continues_in_chatkit_and_back(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    alice = auth("alice")
    kit = ChatKit(client, alice)
    rest = await client.post(
        "/api/alice/chat", json={"message": "Add a task to buy milk"}, headers=alice
    )
    assert rest.status_code == 200, rest.text

    threads = await kit.threads()
    assert [(t.id, t.title) for t in threads.data] == [("1", "Add: Buy milk")]
    items = (await kit.items("1", order="asc")).data
    assert [(type(i).__name__, i.id) for i in items] == [
        ("UserMessageItem", "msg_1"),
        ("WorkflowItem", "wf_2"),
        ("AssistantMessageItem", "msg_2"),
    ]

    events = await kit.send("1", "Mark task 1 as complete")
    assert not errors(events)
    answered = await client.post(
        "/api/alice/chat",
        json={"message": "What have I completed?", "conversation_id": 1},
        headers=alice,
    )
    assert answered.status_code == 200
    assert "Buy milk" in answered.json()["response"]
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", None, True)]
    thread = await kit.thread("1")
    assert [i.id for i in thread.items.data] == [
        "msg_1", "wf_2", "msg_2", "msg_3", "wf_4", "msg_4", "msg_5", "wf_6", "msg_6"
    ]  # fmt: skip


async def test_a_tag_in_a_message_is_a_word_of_its_own(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    """ChatKit's composer sends "Add a task to call" and the tag "Mom" as two parts: the task
    is "Call Mom", as the person read it, not "CallMom"."""
    said = composed(UserMessageTextContent(text="Add a task to call"), tag("Mom"))
    events = await ChatKit(client, auth("alice")).stream("threads.create", input=said)

    assert not errors(events)
    assert await task_rows(db_engine, "alice") == [(1, "Call Mom", None, False)]
    stored = (
        await client.get("/api/alice/conversations/1/messages", headers=auth("alice"))
    ).json()["messages"]
    assert stored[0]["content"] == "Add a task to call Mom"


async def test_a_thread_shows_the_chosen_version_of_a_conversation(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    """Versions made over REST (docs/api.md "Versions"): ChatKit's thread is the chosen
    branch, and follows a choice."""
    alice = auth("alice")
    kit = ChatKit(client, alice)
    await client.post("/api/alice/chat", json={"message": "Show me all my tasks"}, headers=alice)
    edited = await client.post(
        "/api/alice/conversations/1/messages/1/edit",
        json={"message": "What's pending?"},
        headers=alice,
    )
    assert edited.status_code == 200, edited.text
    items = (await kit.items("1", order="asc")).data
    said = [i.content[0].text for i in items if isinstance(i, UserMessageItem)]
    assert said == ["What's pending?"]
    assert [i.id for i in items if isinstance(i, UserMessageItem)] == ["msg_3"]
    chosen = await client.post("/api/alice/conversations/1/messages/1/choose", headers=alice)
    assert chosen.status_code == 200
    items = (await kit.items("1", order="asc")).data
    assert [i.content[0].text for i in items if isinstance(i, UserMessageItem)] == [
        "Show me all my tasks"
    ]
