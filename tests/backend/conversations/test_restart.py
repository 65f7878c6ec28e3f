"""A restarted server continues any conversation: all state is in the database (docs/api.md §8)."""

from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.conversations.chatting import Chat, tool_call
from tests.backend.support import app_client
from tests.fakes.openai_frames import Call, Reply, ToolCalls, sequential
from tests.providers import dialogue, provider_app
from tests.rows import message_rows, task_rows
from tests.tokens import AuthHeaders


async def test_a_new_app_instance_continues_the_conversation(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    # About history across instances: the delete runs at once (a paused one resuming on a
    # new instance: tests/backend/approvals/test_confirm_restart.py).
    settings = settings.model_copy(update={"chat_confirm": "none"})
    async with app_client(settings) as first_server:
        added = await Chat(first_server, auth("alice")).answer("Add a task to buy milk")
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", None, False)]

    # A brand-new app: its own engine, MCP server and agent; only the database is shared.
    async with app_client(settings) as second_server:
        chat = Chat(second_server, auth("alice"))
        deleted = await chat.answer("delete it", conversation_id=added["conversation_id"])
        stored = await chat.messages(1)

    # "it" was resolved from the first server's tool result, read back from the database.
    assert deleted["tool_calls"] == [
        tool_call(
            deleted["tool_calls"][0]["id"], "delete_task", {"task_id": 1},
            {"task_id": 1, "status": "deleted", "title": "Buy milk"},
        )
    ]  # fmt: skip
    assert (deleted["conversation_id"], deleted["message_id"]) == (1, 4)
    assert await task_rows(db_engine, "alice") == []
    assert [(m["id"], m["role"], m["content"]) for m in stored] == [
        (1, "user", "Add a task to buy milk"),
        (2, "assistant", added["response"]),
        (3, "user", "delete it"),
        (4, "assistant", deleted["response"]),
    ]
    assert stored[1]["tool_calls"] == added["tool_calls"]
    assert stored[3]["tool_calls"] == deleted["tool_calls"]


async def test_the_new_instance_replays_history_to_the_provider(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    add = {"title": "Buy milk"}
    first_turns = sequential([ToolCalls([Call("add_task", add, call_id="call_1")]), Reply("Ok.")])
    async with provider_app(settings, "responses", script=first_turns) as before:
        await Chat(before.client, auth("alice")).answer("Add milk")

    async with provider_app(settings, "responses", script=sequential([Reply("Yes.")])) as after:
        body = await Chat(after.client, auth("alice")).answer("Is it there?", conversation_id=1)
        sent = after.sent(0)
    assert body["response"] == "Yes."
    assert dialogue(sent) == [
        ("user", "Add milk"),
        ("call", "call_1", "add_task", add),
        ("output", "call_1", {"task_id": 1, "status": "created", "title": "Buy milk"}),
        ("assistant", "Ok."),
        ("user", "Is it there?"),
    ]
    assert [row[2] for row in await message_rows(db_engine, "alice")] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]
