"""Requests about several tasks: looked up, announced, then one call per task, within the
turn's limits as the instructions state them."""

from dataclasses import dataclass
from typing import Any

from agents import Agent, RunConfig, Runner

from agent.context import ChatContext
from agent.instructions import instructions_for
from agent.models.offline import OfflineModel
from backend.limits.tool_budget import ToolBudget
from tests.agent.models.task_fake import TaskFake


@dataclass
class Run:
    text: str
    calls: list[tuple[str, dict[str, Any]]]
    order: list[str]
    """ "text" and tool names, in the order the stream produced them."""


async def run(tasks: TaskFake, message: str, *, max_deletions: int = 3, max_turns: int = 8) -> Run:
    agent = Agent[ChatContext](
        name="todo", instructions=instructions_for, model=OfflineModel(), tools=[*tasks.tools()]
    )
    context = ChatContext("someone", 1, ToolBudget(12, max_deletions))
    result = Runner.run_streamed(
        agent,
        message,
        context=context,
        max_turns=max_turns,
        run_config=RunConfig(tracing_disabled=True),
    )
    order: list[str] = []
    async for event in result.stream_events():
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
            if not order or order[-1] != "text":
                order.append("text")
        elif event.type == "run_item_stream_event" and event.name == "tool_called":
            order.append(str(getattr(event.item.raw_item, "name", "")))
    text = "".join(
        getattr(part, "text", "")
        for item in result.new_items
        if item.type == "message_output_item"
        for part in getattr(item.raw_item, "content", [])
    )
    return Run(text, tasks.calls, order)


def seeded(*titles: str, done: tuple[int, ...] = (), shopping: tuple[int, ...] = ()) -> TaskFake:
    tasks = TaskFake()
    for number, title in enumerate(titles, start=1):
        tags = ["shopping"] if number in shopping else []
        tasks.seed(title, completed=number in done, tags=tags)
    return tasks


async def test_delete_everything_done_says_so_first_then_deletes_each() -> None:
    tasks = seeded("A", "B", "C", "D", done=(2, 4))

    turn = await run(tasks, "delete everything that's done")

    assert turn.calls == [
        ("list_tasks", {"status": "completed"}),
        ("delete_task", {"task_id": 2}),
        ("delete_task", {"task_id": 4}),
    ]
    assert turn.order == ["list_tasks", "text", "delete_task", "delete_task", "text"]
    assert turn.text.startswith("I'll delete tasks 2 and 4.\n")
    assert sorted(tasks.tasks) == [1, 3]


async def test_no_more_deletions_than_one_message_allows() -> None:
    tasks = seeded("A", "B", "C", "D", "E", done=(1, 2, 3, 4, 5))

    turn = await run(tasks, "remove all completed tasks", max_deletions=2)

    assert [name for name, _ in turn.calls] == ["list_tasks", "delete_task", "delete_task"]
    assert turn.text.startswith("5 tasks fit; one message can do 2, so I'll delete tasks 1 and 2")
    assert turn.text.endswith("ask again for the rest (3, 4, 5).")
    assert sorted(tasks.tasks) == [3, 4, 5]


async def test_complete_all_the_shopping_tasks_leaves_the_others() -> None:
    tasks = seeded("Buy milk", "Call mom", "Buy eggs", "Buy bread", shopping=(1, 3, 4), done=(4,))

    turn = await run(tasks, "complete all the shopping tasks")

    assert turn.calls[1:] == [
        ("complete_task", {"task_id": 1}),
        ("complete_task", {"task_id": 3}),
    ]
    assert [task["completed"] for task in tasks.tasks.values()] == [True, False, True, True]


async def test_numbers_listed_need_no_lookup() -> None:
    tasks = seeded("A", "B", "C", "D")

    turn = await run(tasks, "mark 2 and 4 as done")

    assert turn.calls == [("complete_task", {"task_id": 2}), ("complete_task", {"task_id": 4})]
    assert turn.text.startswith("I'll mark tasks 2 and 4 as complete.\n")


async def test_when_nothing_fits_nothing_is_touched() -> None:
    tasks = seeded("Buy milk", "Call mom")

    turn = await run(tasks, "delete all the garden tasks")

    assert [name for name, _ in turn.calls] == ["list_tasks"]
    assert "No tasks fit" in turn.text
    assert sorted(tasks.tasks) == [1, 2]


async def test_any_number_of_tasks_takes_three_model_calls() -> None:
    # The lookup, then every call at once, then the answer: CHAT_MAX_TURNS (model calls per
    # turn) does not bound how many tasks one request can cover.
    tasks = seeded(*[f"Buy item {n}" for n in range(1, 11)], shopping=tuple(range(1, 11)))

    turn = await run(tasks, "complete all the shopping tasks", max_turns=3)

    assert len(turn.calls) == 11
    assert all(task["completed"] for task in tasks.tasks.values())
    assert turn.order == ["list_tasks", "text", *["complete_task"] * 10, "text"]
