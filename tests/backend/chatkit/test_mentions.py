"""Tasks as tags (docs/chatkit.md, "Mentioning a task"): the tag search ChatKit's
`entities.onTagSearch` calls (owner-filtered, ChatKit's Entity shape), and a tagged task
reaching the tools by its number, never by the words of its title."""

import httpx
from chatkit.types import UserMessageTagContent, UserMessageTextContent
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.chatkit.client import ChatKit, answer_text, composed, errors, task_titles
from tests.backend.support import assert_error, create_tasks
from tests.rows import message_rows, task_rows
from tests.tokens import AuthHeaders


async def mentions(
    client: httpx.AsyncClient, headers: dict[str, str], user: str = "alice", **query: str | int
) -> httpx.Response:
    return await client.get(f"/api/{user}/task-mentions", params=query, headers=headers)


async def test_the_tag_search_finds_the_persons_tasks_pending_first(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    alice, bob = auth("alice"), auth("bob")
    await create_tasks(client, alice, "alice", "Milk the goat", "Buy milk", "Call mom")
    done = await client.patch("/api/alice/tasks/1/complete", headers=alice)
    assert done.status_code == 200
    await create_tasks(client, bob, "bob", "Buy milk for bob")

    found = await mentions(client, alice, q="milk")
    everything = await mentions(client, alice, limit=2)

    assert found.status_code == 200
    assert found.json() == {
        "entities": [
            {"id": "task_2", "title": "Buy milk", "group": "Pending", "interactive": False,
             "data": {"task_id": "2"}},
            {"id": "task_1", "title": "Milk the goat", "group": "Completed", "interactive": False,
             "data": {"task_id": "1"}},
        ]
    }  # fmt: skip
    assert [e["id"] for e in everything.json()["entities"]] == ["task_2", "task_3"]
    assert_error(await mentions(client, alice, "bob", q="milk"), 403, "forbidden")
    assert_error(await mentions(client, alice, q="x" * 201), 422, "validation_error")
    assert_error(await mentions(client, alice, limit=0), 422, "validation_error")
    assert_error(await mentions(client, alice, limit=51), 422, "validation_error")
    assert (await client.get("/api/alice/task-mentions")).status_code == 401


async def test_a_tagged_task_reaches_the_tools_by_its_number(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    """Two tasks share the words "buy milk": the one the person tagged is completed, by
    number, with no search on its words."""
    alice = auth("alice")
    await create_tasks(client, alice, "alice", "Buy milk", "Buy milk for the party")
    [picked] = [
        entity
        for entity in (await mentions(client, alice, q="party")).json()["entities"]
        if entity["title"] == "Buy milk for the party"
    ]
    tag = UserMessageTagContent(
        id=picked["id"], text=picked["title"], data=picked["data"], interactive=False
    )
    kit = ChatKit(client, alice)

    events = await kit.stream(
        "threads.create",
        input=composed(
            UserMessageTextContent(text="mark"), tag, UserMessageTextContent(text=" as done")
        ),
    )

    assert not errors(events)
    assert task_titles(events) == ["Task 2 completed: Buy milk for the party"]
    assert "Buy milk for the party" in answer_text(events)
    assert await task_rows(db_engine, "alice") == [
        (1, "Buy milk", None, False),
        (2, "Buy milk for the party", None, True),
    ]
    [(_, _, _, said), *_] = await message_rows(db_engine, "alice")
    assert said == "mark task 2 as done"
