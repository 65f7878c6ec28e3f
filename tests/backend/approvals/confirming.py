"""Helpers of the confirmation tests: deciding waiting calls, and the rows they touch."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.conversations.chatting import Chat
from tests.rows import rows


async def decide(
    chat: Chat, conversation: int, approve: bool, approval_id: str | None = None
) -> httpx.Response:
    """POST a decision on one waiting call, or (`approval_id` None) on all of them."""
    path = f"/api/{chat.user}/conversations/{conversation}/approvals"
    if approval_id is not None:
        path += f"/{approval_id}"
    return await chat.http.post(path, json={"approve": approve}, headers=chat.headers)


async def pending(chat: Chat, conversation: int) -> list[dict[str, Any]]:
    response = await chat.http.get(
        f"/api/{chat.user}/conversations/{conversation}", headers=chat.headers
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["pending_approvals"]
    return found


async def task_row(engine: AsyncEngine, user: str, number: int) -> tuple[Any, ...] | None:
    """Every column of one task row, or None when it is gone."""
    found = await rows(
        engine, "SELECT * FROM tasks WHERE user_id = :user AND number = :n", user=user, n=number
    )
    return found[0] if found else None


async def message_statuses(engine: AsyncEngine, user: str) -> list[tuple[int, str, str | None]]:
    """(message number, role, status) of the user's messages, in order."""
    found = await rows(
        engine,
        "SELECT m.number, m.role, m.status FROM messages m"
        " JOIN conversations c ON c.pk = m.conversation_pk WHERE c.user_id = :user"
        " ORDER BY c.number, m.number",
        user=user,
    )
    return [(number, role, status) for number, role, status in found]
