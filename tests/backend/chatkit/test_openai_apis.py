"""The spec's commands as one ChatKit thread over both OpenAI APIs: the provider is faked at
its HTTP API (respx on the real client) and decides its tool calls from the last thing the
person said, as a model would; the tasks change in PostgreSQL and every step shows in the
thread as a workflow task."""

from collections.abc import Mapping
from typing import Any

import pytest
from chatkit.types import WorkflowItem
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.chatkit.client import ChatKit, done_items, errors
from tests.fakes.openai_frames import Call, Reply, ToolCalls, Turn
from tests.providers import APIS, ModelApi, dialogue, provider_app
from tests.rows import task_titles
from tests.tokens import AuthHeaders

GROCERIES, BILLS, MEETING = (1, "Buy groceries"), (2, "Pay bills"), (3, "Team meeting")
THREE = [GROCERIES, BILLS, MEETING]
MOM = (1, "Call mom tonight")

# What the person says, the model's tool turns for it (one call each), the workflow's task
# titles, and alice's tasks afterwards.
STEPS: list[tuple[str, list[Call], list[str], list[tuple[int, str]]]] = [
    ("Add a task to buy groceries", [Call("add_task", {"title": "Buy groceries"})],
     ["Task 1 created: Buy groceries"], [GROCERIES]),
    ("I need to remember to pay bills", [Call("add_task", {"title": "Pay bills"})],
     ["Task 2 created: Pay bills"], [GROCERIES, BILLS]),
    ("Add a task to plan the team meeting", [Call("add_task", {"title": "Team meeting"})],
     ["Task 3 created: Team meeting"], THREE),
    ("Show me all my tasks", [Call("list_tasks", {"status": "all"})], ["3 tasks found"], THREE),
    ("What's pending?", [Call("list_tasks", {"status": "pending"})], ["3 tasks found"], THREE),
    ("Mark task 3 as complete", [Call("complete_task", {"task_id": 3})],
     ["Task 3 completed: Team meeting"], THREE),
    ("What have I completed?", [Call("list_tasks", {"status": "completed"})],
     ["1 task found"], THREE),
    ("Change task 1 to 'Call mom tonight'",
     [Call("update_task", {"task_id": 1, "title": "Call mom tonight"})],
     ["Task 1 updated: Call mom tonight"], [MOM, BILLS, MEETING]),
    ("Delete the meeting task",
     [Call("list_tasks", {"query": "meeting"}), Call("delete_task", {"task_id": 3})],
     ["1 task found", "Task 3 deleted: Team meeting"], [MOM, BILLS]),
]  # fmt: skip
PLAN = {said: calls for said, calls, *_ in STEPS}


def model(request: Mapping[str, Any]) -> Turn:
    """The next tool call for the person's last message, then a reply once all returned."""
    turns = dialogue(dict(request))
    last = max(i for i, turn in enumerate(turns) if turn[0] == "user")
    said, returned = turns[last][1], sum(turn[0] == "output" for turn in turns[last:])
    calls = PLAN[said]
    return ToolCalls([calls[returned]]) if returned < len(calls) else Reply(f"Done: {said}")


@pytest.mark.parametrize("api", APIS)
async def test_the_spec_commands_as_one_thread(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    # The spec's commands as they run: the delete at once (a delete waiting for the person
    # in ChatKit: test_questions.py).
    settings = settings.model_copy(update={"chat_confirm": "none"})
    async with provider_app(settings, api, script=model, chunk_size=5) as provider:
        kit = ChatKit(provider.client, auth("alice"))
        for turn, (said, _, titles, tasks) in enumerate(STEPS):
            events = await (kit.create(said) if turn == 0 else kit.send("1", said))
            assert not errors(events), said
            workflows = [item for item in done_items(events) if isinstance(item, WorkflowItem)]
            assert [t.title for w in workflows for t in w.workflow.tasks] == titles, said
            assert done_items(events)[-1].id == f"msg_{2 * turn + 2}"
            assert await task_titles(db_engine, "alice") == tasks, said
        items = (await kit.items("1", limit=100, order="asc")).data
    assert len(items) == 3 * len(STEPS)  # the message, the steps, the answer
