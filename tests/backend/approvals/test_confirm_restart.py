"""A paused run lives in PostgreSQL: a brand-new app instance (a restart) resumes it."""

from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.approvals.confirming import decide, pending, task_row
from tests.backend.conversations.chatting import Chat
from tests.backend.support import app_client, create_tasks
from tests.tokens import AuthHeaders


async def test_a_new_instance_resumes_the_paused_run(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    async with app_client(settings) as first_server:
        chat = Chat(first_server, auth("alice"))
        await create_tasks(first_server, chat.headers, "alice", "Buy milk")
        paused = await chat.answer("Delete task 1")
    assert paused["status"] == "awaiting_approval"
    (asked,) = paused["approvals"]

    async with app_client(settings) as second_server:
        chat = Chat(second_server, auth("alice"))
        assert [a["id"] for a in await pending(chat, 1)] == [asked["id"]]
        response = await decide(chat, 1, True, asked["id"])

    assert response.status_code == 200, response.text
    assert [c["output"]["status"] for c in response.json()["tool_calls"]] == ["deleted"]
    assert await task_row(db_engine, "alice", 1) is None
