"""The built-in offline model (the default settings) through the whole app: docs/api.md §11's
phrase table as one conversation, then every phrase family the model claims to understand."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.conversations.chatting import Chat, assert_answered
from tests.backend.support import create_tasks
from tests.rows import task_rows
from tests.sse import of_kind
from tests.tokens import AuthHeaders

Calls = list[tuple[str, dict[str, Any]]]
Rows = list[tuple[int, str, str | None, bool]]

GROCERIES = (1, "Buy groceries", None, False)
BILLS = (2, "Pay bills", None, False)
MEETING = (3, "Plan the team meeting", None, False)

# (what the person says, the tool calls the agent makes, alice's task rows afterwards,
#  words the answer must contain)
CONVERSATION: list[tuple[str, Calls, Rows, list[str]]] = [
    (
        "Add a task to buy groceries",
        [("add_task", {"title": "Buy groceries"})],
        [GROCERIES],
        ['"Buy groceries"', "task 1"],
    ),
    (
        "I need to remember to pay bills",
        [("add_task", {"title": "Pay bills"})],
        [GROCERIES, BILLS],
        ['"Pay bills"', "task 2"],
    ),
    (
        "Add a task to plan the team meeting",
        [("add_task", {"title": "Plan the team meeting"})],
        [GROCERIES, BILLS, MEETING],
        ["task 3"],
    ),
    (
        "Show me all my tasks",
        [("list_tasks", {"status": "all"})],
        [GROCERIES, BILLS, MEETING],
        ["Buy groceries", "Pay bills", "Plan the team meeting"],
    ),
    (
        "Mark task 3 as complete",
        [("complete_task", {"task_id": 3})],
        [GROCERIES, BILLS, (3, "Plan the team meeting", None, True)],
        ["task 3", "complete"],
    ),
    (
        "What's pending?",
        [("list_tasks", {"status": "pending"})],
        [GROCERIES, BILLS, (3, "Plan the team meeting", None, True)],
        ["Buy groceries", "Pay bills"],
    ),
    (
        "What have I completed?",
        [("list_tasks", {"status": "completed"})],
        [GROCERIES, BILLS, (3, "Plan the team meeting", None, True)],
        ["Plan the team meeting"],
    ),
    (
        "Change task 1 to 'Call mom tonight'",
        [("update_task", {"task_id": 1, "title": "Call mom tonight"})],
        [(1, "Call mom tonight", None, False), BILLS, (3, "Plan the team meeting", None, True)],
        ['"Call mom tonight"'],
    ),
    (
        "Delete the meeting task",
        [("list_tasks", {"status": "all", "query": "meeting"}), ("delete_task", {"task_id": 3})],
        [(1, "Call mom tonight", None, False), BILLS],
        ["Deleted", "task 3"],
    ),
    (
        "Add a task to water the plants",
        [("add_task", {"title": "Water the plants"})],
        [(1, "Call mom tonight", None, False), BILLS, (4, "Water the plants", None, False)],
        ["task 4"],
    ),
    # "it": the task the previous turn's tool result named.
    (
        "mark it done",
        [("complete_task", {"task_id": 4})],
        [(1, "Call mom tonight", None, False), BILLS, (4, "Water the plants", None, True)],
        ["task 4"],
    ),
    (
        "delete it",
        [("delete_task", {"task_id": 4})],
        [(1, "Call mom tonight", None, False), BILLS],
        ["Deleted", "task 4"],
    ),
]


def made(calls: list[dict[str, Any]]) -> Calls:
    return [(call["name"], call["arguments"]) for call in calls]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """What the offline model calls for each phrase: deletes run at once here (their
    confirmation on the offline model: tests/backend/approvals/test_confirm_offline.py)."""
    return settings.model_copy(update={"chat_confirm": "none"})


async def test_the_spec_table_as_one_conversation(alice: Chat, db_engine: AsyncEngine) -> None:
    conversation: int | None = None
    for turn, (said, calls, rows, words) in enumerate(CONVERSATION):
        events = await alice.stream(said, conversation)
        done = events[-1].data
        assert made(of_kind(events, "tool_call")) == calls, said
        assert_answered(events, calls=done["tool_calls"], response=done["response"])
        assert not any(call["is_error"] for call in done["tool_calls"]), said
        for word in words:
            assert word in done["response"], (said, done["response"])
        assert await task_rows(db_engine, "alice") == rows, said
        conversation = events[0].data["conversation_id"]
        assert conversation == 1
        assert events[0].data["user_message_id"] == 2 * turn + 1

    stored = await alice.messages(1, limit=100)
    assert len(stored) == 2 * len(CONVERSATION)
    assert [m["content"] for m in stored[::2]] == [said for said, *_ in CONVERSATION]
    assert [made(m["tool_calls"]) for m in stored[1::2]] == [calls for _, calls, *_ in CONVERSATION]


# Seeded before each phrase: 1 "Buy milk", 2 "Team meeting", 3 "Call the bank".
PHRASES: list[tuple[str, Calls]] = [
    # adding
    ("I need to remember to pay bills", [("add_task", {"title": "Pay bills"})]),
    ("remind me to call mom", [("add_task", {"title": "Call mom"})]),
    ("don't let me forget to renew my passport", [("add_task", {"title": "Renew my passport"})]),
    ("remember to book flights", [("add_task", {"title": "Book flights"})]),
    ("note: water the plants", [("add_task", {"title": "Water the plants"})]),
    ("add eggs to my list", [("add_task", {"title": "Eggs"})]),
    ("create a task: Water the plants", [("add_task", {"title": "Water the plants"})]),
    ("Please add a task to buy bread, thanks!", [("add_task", {"title": "Buy bread"})]),
    ("Add buy eggs", [("add_task", {"title": "Buy eggs"})]),
    ("I have to renew the car insurance", [("add_task", {"title": "Renew the car insurance"})]),
    (
        "Add a task to buy groceries with description milk and eggs",
        [("add_task", {"title": "Buy groceries", "description": "milk and eggs"})],
    ),
    # listing
    ("Show me all my tasks", [("list_tasks", {"status": "all"})]),
    ("list my tasks", [("list_tasks", {"status": "all"})]),
    ("tasks", [("list_tasks", {"status": "all"})]),
    ("What's pending?", [("list_tasks", {"status": "pending"})]),
    ("what do I still need to do", [("list_tasks", {"status": "pending"})]),
    ("What have I completed?", [("list_tasks", {"status": "completed"})]),
    ("show done tasks", [("list_tasks", {"status": "completed"})]),
    ("find the meeting task", [("list_tasks", {"status": "all", "query": "meeting"})]),
    ("show tasks about the bank", [("list_tasks", {"status": "all", "query": "bank"})]),
    # completing
    ("Mark task 3 as complete", [("complete_task", {"task_id": 3})]),
    ("mark task two done", [("complete_task", {"task_id": 2})]),
    ("complete 1", [("complete_task", {"task_id": 1})]),
    ("I finished task 2", [("complete_task", {"task_id": 2})]),
    ("task 1 is done", [("complete_task", {"task_id": 1})]),
    (
        "mark the milk task done",
        [("list_tasks", {"status": "pending", "query": "milk"}), ("complete_task", {"task_id": 1})],
    ),
    (
        "I bought the milk",
        [("list_tasks", {"status": "pending", "query": "milk"}), ("complete_task", {"task_id": 1})],
    ),
    # deleting
    ("Delete task 3", [("delete_task", {"task_id": 3})]),
    ("remove task 3", [("delete_task", {"task_id": 3})]),
    ("cancel task 2", [("delete_task", {"task_id": 2})]),
    (
        "Delete the meeting task",
        [("list_tasks", {"status": "all", "query": "meeting"}), ("delete_task", {"task_id": 2})],
    ),
    (
        "remove buy milk from my list",
        [("list_tasks", {"status": "all", "query": "buy milk"}), ("delete_task", {"task_id": 1})],
    ),
    # several tasks: looked up, then one call per task (deletions up to the per-turn limit, 3)
    (
        "delete all tasks",
        [("list_tasks", {"status": "all"}), *[("delete_task", {"task_id": n}) for n in (1, 2, 3)]],
    ),
    (
        "complete tasks 1 and 3",
        [("complete_task", {"task_id": 1}), ("complete_task", {"task_id": 3})],
    ),
    # richer fields (the task tools take them as of docs/api.md §18)
    (
        "add a high priority task to pay rent",
        [("add_task", {"title": "Pay rent", "priority": "high"})],
    ),
    ("What's overdue?", [("list_tasks", {"status": "all", "overdue": True})]),
    # updating
    (
        "Change task 1 to 'Call mom tonight'",
        [("update_task", {"task_id": 1, "title": "Call mom tonight"})],
    ),
    ("rename task 1 to Call dad", [("update_task", {"task_id": 1, "title": "Call dad"})]),
    (
        "change task 3 description to bring receipts",
        [("update_task", {"task_id": 3, "description": "bring receipts"})],
    ),
    (
        "rename the meeting task to Standup",
        [
            ("list_tasks", {"status": "all", "query": "meeting"}),
            ("update_task", {"task_id": 2, "title": "Standup"}),
        ],
    ),
    # no tool: small talk, help, plural or unclear targets
    ("hi", []),
    ("thanks", []),
    ("what can you do?", []),
    ("what's the weather like?", []),
    ("mark it done", []),
    ("add task", []),
    # a few words that may name a task: looked up, then asked about (or not understood);
    # nothing changes either way
    ("asdf qwerty", [("list_tasks", {"status": "all", "query": "asdf qwerty"})]),
    ("milk", [("list_tasks", {"status": "all", "query": "milk"})]),
    ("task 2", []),
    ("make task 1 urgent", [("update_task", {"task_id": 1, "priority": "high"})]),
]


@pytest.mark.parametrize(("said", "calls"), PHRASES)
async def test_the_offline_model_understands(
    client: httpx.AsyncClient, auth: AuthHeaders, said: str, calls: Calls
) -> None:
    alice = auth("alice")
    await create_tasks(client, alice, "alice", "Buy milk", "Team meeting", "Call the bank")
    body = await Chat(client, alice).answer(said)
    assert made(body["tool_calls"]) == calls
    assert not any(call["is_error"] for call in body["tool_calls"])
    assert body["response"]
