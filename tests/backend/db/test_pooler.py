"""The app behind a real PgBouncer in transaction mode (Neon's pooled host is one): many clients
creating, searching and chatting at once, as a served app sees them, and no 5xx.

Through a transaction pooler, consecutive transactions of one client connection run on
different server connections: a statement prepared in one is gone, or taken by another
client, in the next. Before DATABASE_POOLER=transaction this failed about half the requests.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.pgbouncer import PgBouncer
from tests.rows import rows
from tests.tokens import TokenFactory

USERS = 30


@pytest.fixture
async def pooled_app(
    settings: Settings, direct_database_url: str, pgbouncer: PgBouncer
) -> AsyncIterator[str]:
    """The offline app on a loopback port, its database reached through PgBouncer."""
    through = settings.model_copy(
        update={
            "database_url": pgbouncer.url_for(direct_database_url),
            "database_pooler": "transaction",
            "chat_requests_per_minute": 10_000,
            "chat_max_streams_per_user": 1000,
        }
    )
    async with serving(create_app(through)) as url:
        yield url


async def _a_user_at_work(http: httpx.AsyncClient, user: str, token: str) -> list[tuple[str, int]]:
    """Create, search, chat (the agent adds a task), then read the conversation back."""
    headers = {"Authorization": f"Bearer {token}"}
    tasks = f"/api/{user}/tasks"
    seen: list[tuple[str, int]] = []

    async def call(what: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await http.request(method, path, headers=headers, **kwargs)
        seen.append((what, response.status_code))
        return response

    await call("create", "POST", tasks, json={"title": "Buy milk"})
    await call("search", "GET", tasks, params={"q": "milk"})
    chat = await call(
        "chat", "POST", f"/api/{user}/chat", json={"message": "Add a task to call mom"}
    )
    await call("search", "GET", tasks, params={"q": "mom", "status": "pending"})
    if chat.status_code == 200:
        conversation = chat.json()["conversation_id"]
        await call("messages", "GET", f"/api/{user}/conversations/{conversation}/messages")
    return seen


async def test_many_clients_at_once_through_pgbouncer_get_no_5xx(
    pooled_app: str, make_token: TokenFactory, db_engine: AsyncEngine
) -> None:
    users = [f"user-{n}" for n in range(USERS)]
    limits = httpx.Limits(max_connections=USERS * 2)
    async with httpx.AsyncClient(base_url=pooled_app, timeout=60, limits=limits) as http:
        results = await asyncio.gather(
            *(_a_user_at_work(http, user, make_token(user)) for user in users)
        )

    statuses = Counter(status for seen in results for _, status in seen)
    failed = Counter(what for seen in results for what, status in seen if status >= 500)
    assert not failed, f"5xx by request kind: {dict(failed)}; all statuses: {dict(statuses)}"
    expected = {"create": 201, "search": 200, "chat": 200, "messages": 200}
    assert all(status == expected[what] for seen in results for what, status in seen), statuses
    assert sum(statuses.values()) == USERS * 5
    # Each user's two tasks (one over REST, one by the agent), numbered 1 and 2.
    owned = await rows(
        db_engine, "SELECT user_id, array_agg(number ORDER BY number) FROM tasks GROUP BY user_id"
    )
    assert {user: list(numbers) for user, numbers in owned} == {user: [1, 2] for user in users}
