"""Titles worth reading (docs/api.md §9): a first exchange that changed a task names the
conversation after it; a rename is kept; the new title reaches the live feed."""

import pytest

from backend.conversations.titles import title_from_exchange
from tests.backend.conversations.chatting import Chat, tool_call


async def title_of(chat: Chat, conversation_id: int) -> str:
    response = await chat.http.get(
        f"/api/{chat.user}/conversations/{conversation_id}", headers=chat.headers
    )
    assert response.status_code == 200, response.text
    title: str = response.json()["title"]
    return title


async def test_the_first_exchange_names_the_conversation_and_a_rename_stays(alice: Chat) -> None:
    await alice.answer("add a task to buy milk")
    await alice.answer("add a task to buy milk")
    assert await title_of(alice, 1) == "Add: Buy milk"
    await alice.answer("what's pending?")
    assert await title_of(alice, 3) == "what's pending?"  # no task changed: the message

    await alice.answer("add a task to call mom")
    renamed = await alice.http.patch(
        "/api/alice/conversations/4", json={"title": "Family"}, headers=alice.headers
    )
    assert renamed.status_code == 200
    await alice.answer("mark task 3 as done", conversation_id=4)
    assert await title_of(alice, 4) == "Family"
    # Only the first exchange names it: later answers leave the title alone.
    await alice.answer("add a task to buy bread", conversation_id=1)
    assert await title_of(alice, 1) == "Add: Buy milk"


def added(task_id: int, title: str) -> dict[str, object]:
    output = {"task_id": task_id, "status": "created", "title": title}
    return tool_call(f"call_{task_id}", "add_task", {"title": title}, output)


@pytest.mark.parametrize(
    ("calls", "title"),
    [
        ([added(1, "Buy  milk")], "Add: Buy milk"),
        ([added(1, "Buy milk"), added(2, "Bread")], "Add: Buy milk and 1 more"),
        ([tool_call("c", "delete_task", {"task_id": 9}, "Task 9 not found.")], None),
        ([added(1, "x" * 200)], "Add: " + "x" * 74 + "…"),
    ],
)
def test_titles_come_from_the_tools_results(calls: list[dict[str, object]], title: str) -> None:
    assert title_from_exchange(calls) == title
