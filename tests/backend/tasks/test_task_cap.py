"""The cap on tasks per user: beyond it REST answers 409 task_limit_reached and the tool
refuses with a readable error; other users are not affected, and a deletion makes room."""

from mcp import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db.engine import StoreLimits, create_sessionmaker
from backend.settings import Settings
from mcp_tools.server import create_todo_server
from tests.backend.support import app_client, assert_error
from tests.mcp_tools.test_tasks import Todo
from tests.tokens import AuthHeaders

CAP = 3


async def test_rest_refuses_tasks_beyond_the_cap_for_that_user_only(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with app_client(settings, tasks_per_user=CAP) as client:
        created = [
            await client.post("/api/alice/tasks", json={"title": f"t{i}"}, headers=auth("alice"))
            for i in range(CAP)
        ]
        refused = await client.post("/api/alice/tasks", json={"title": "x"}, headers=auth("alice"))
        bob = await client.post("/api/bob/tasks", json={"title": "Buy milk"}, headers=auth("bob"))
        await client.delete("/api/alice/tasks/1", headers=auth("alice"))
        again = await client.post("/api/alice/tasks", json={"title": "x"}, headers=auth("alice"))
        listed = await client.get("/api/alice/tasks", headers=auth("alice"))
    assert [r.status_code for r in created] == [201] * CAP
    body = assert_error(refused, 409, "task_limit_reached")
    assert str(CAP) in body["detail"]
    assert bob.status_code == 201
    assert again.status_code == 201
    assert again.json()["id"] == CAP + 1  # the refused create used up no number
    assert listed.json()["total"] == CAP


async def test_the_tool_refuses_beyond_the_cap_with_a_readable_error(
    db_engine: AsyncEngine, database: str
) -> None:
    sessionmaker = create_sessionmaker(db_engine, limits=StoreLimits(tasks_per_user=CAP))
    async with Client(create_todo_server(sessionmaker)) as client:
        todo = Todo(client)
        for i in range(CAP):
            await todo.ok("add_task", {"title": f"t{i}"})
        message = await todo.error("add_task", {"title": "one too many"})
        await todo.ok("add_task", {"title": "bob's"}, user="bob")
    assert "most allowed" in message
