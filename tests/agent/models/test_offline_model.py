"""The offline model driven by the Agents SDK Runner, against fake tools shaped as documented."""

import json
from dataclasses import dataclass, field
from typing import Any, cast

from agents import (
    Agent,
    FunctionTool,
    RunConfig,
    Runner,
    TResponseInputItem,
    function_tool,
)
from openai.types.responses import ResponseFunctionToolCall

from agent.models.offline import OfflineModel

RUN_CONFIG = RunConfig(tracing_disabled=True)


@dataclass
class FakeTasks:
    """An in-memory task list behind tools named and shaped like docs/api.md §7's."""

    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def seed(self, title: str, *, completed: bool = False) -> int:
        task_id = self.next_id
        self.next_id += 1
        self.tasks[task_id] = {
            "id": task_id,
            "title": title,
            "description": None,
            "completed": completed,
        }
        return task_id

    def _action(self, task_id: int, status: str) -> str:
        if task_id not in self.tasks:
            return f"Task {task_id} was not found."
        task = self.tasks[task_id]
        return json.dumps({"task_id": task_id, "status": status, "title": task["title"]})

    def tools(self) -> list[FunctionTool]:
        @function_tool
        def add_task(title: str, description: str | None = None) -> str:
            task_id = self.seed(title)
            self.tasks[task_id]["description"] = description
            return self._action(task_id, "created")

        @function_tool
        def list_tasks(status: str = "all", query: str | None = None) -> str:
            wanted = {"all": (True, False), "pending": (False,), "completed": (True,)}[status]
            found = [
                task
                for task in self.tasks.values()
                if task["completed"] in wanted
                and (query is None or query.casefold() in task["title"].casefold())
            ]
            return json.dumps({"tasks": found, "count": len(found)})

        @function_tool
        def complete_task(task_id: int) -> str:
            if task_id in self.tasks:
                self.tasks[task_id]["completed"] = True
            return self._action(task_id, "completed")

        @function_tool
        def delete_task(task_id: int) -> str:
            result = self._action(task_id, "deleted")
            self.tasks.pop(task_id, None)
            return result

        @function_tool
        def update_task(
            task_id: int, title: str | None = None, description: str | None = None
        ) -> str:
            if task_id in self.tasks and title is not None:
                self.tasks[task_id]["title"] = title
            return self._action(task_id, "updated")

        return [add_task, list_tasks, complete_task, delete_task, update_task]


@dataclass
class Turn:
    text: str
    deltas: list[str]
    calls: list[tuple[str, dict[str, Any]]]
    outputs: list[str]
    items: list[TResponseInputItem]
    usage: tuple[int, int, int]


async def run(
    tasks: FakeTasks,
    message: str | list[TResponseInputItem],
    tools: list[FunctionTool] | None = None,
) -> Turn:
    agent = Agent(name="todo", model=OfflineModel(), tools=list(tools or tasks.tools()))
    result = Runner.run_streamed(agent, message, run_config=RUN_CONFIG)
    deltas: list[str] = []
    calls: list[tuple[str, dict[str, Any]]] = []
    outputs: list[str] = []
    async for event in result.stream_events():
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
            deltas.append(event.data.delta)
        elif event.type == "run_item_stream_event" and event.name == "tool_called":
            raw = cast(ResponseFunctionToolCall, event.item.raw_item)
            assert raw.call_id.startswith("call_")
            calls.append((raw.name, json.loads(raw.arguments)))
        elif event.type == "run_item_stream_event" and event.name == "tool_output":
            outputs.append(str(getattr(event.item, "output", "")))
    usage = result.context_wrapper.usage
    return Turn(
        text=str(result.final_output),
        deltas=deltas,
        calls=calls,
        outputs=outputs,
        items=result.to_input_list(),
        usage=(usage.requests, usage.input_tokens, usage.output_tokens),
    )


def history_after_add(task_id: int, title: str) -> list[TResponseInputItem]:
    """A previous turn as the app replays it: user, tool call, tool result, answer."""
    result = json.dumps({"task_id": task_id, "status": "created", "title": title})
    return [
        {"role": "user", "content": f"add a task to {title}"},
        {
            "type": "function_call",
            "call_id": "call_prev",
            "name": "add_task",
            "arguments": json.dumps({"title": title}),
        },
        {"type": "function_call_output", "call_id": "call_prev", "output": result},
        {"role": "assistant", "content": f'Added "{title}" as task {task_id}.'},
    ]


async def test_add_streams_a_confirmation_word_by_word() -> None:
    tasks = FakeTasks()
    tasks.seed("Walk the dog")
    tasks.seed("Pay rent")

    turn = await run(tasks, "Add a task to buy groceries")

    assert turn.calls == [("add_task", {"title": "Buy groceries"})]
    assert turn.text == 'Added "Buy groceries" as task 3.'
    assert len(turn.deltas) > 3
    assert "".join(turn.deltas) == turn.text
    requests, input_tokens, output_tokens = turn.usage
    assert requests == 2
    assert input_tokens > 0
    assert output_tokens > 0


async def test_add_with_description() -> None:
    turn = await run(FakeTasks(), "Add a task to buy groceries with description milk and eggs")

    assert turn.calls == [("add_task", {"title": "Buy groceries", "description": "milk and eggs"})]


async def test_list_all_marks_done_tasks() -> None:
    tasks = FakeTasks()
    tasks.seed("Buy groceries")
    tasks.seed("Pay bills", completed=True)

    turn = await run(tasks, "Show me all my tasks")

    assert turn.calls == [("list_tasks", {"status": "all"})]
    assert turn.text == "Here are your tasks:\n1. Buy groceries\n2. Pay bills (done)"


async def test_list_filters_by_status() -> None:
    tasks = FakeTasks()
    tasks.seed("Buy groceries")
    tasks.seed("Pay bills", completed=True)

    pending = await run(tasks, "What's pending?")
    completed = await run(tasks, "What have I completed?")

    assert pending.calls == [("list_tasks", {"status": "pending"})]
    assert pending.text == "Here are your pending tasks:\n1. Buy groceries"
    assert completed.calls == [("list_tasks", {"status": "completed"})]
    assert completed.text == "Here are your completed tasks:\n2. Pay bills (done)"


async def test_empty_pending_list() -> None:
    turn = await run(FakeTasks(), "what's left?")

    assert turn.text == "You have no pending tasks."


async def test_complete_by_number() -> None:
    tasks = FakeTasks()
    for title in ("A", "B", "Call mom"):
        tasks.seed(title)

    turn = await run(tasks, "Mark task 3 as complete")

    assert turn.calls == [("complete_task", {"task_id": 3})]
    assert turn.text == 'Marked task 3 "Call mom" as complete.'


async def test_tool_error_is_apologised_for_and_repeated() -> None:
    turn = await run(FakeTasks(), "complete task 9")

    assert turn.calls == [("complete_task", {"task_id": 9})]
    assert turn.text == "Sorry, I couldn't do that: Task 9 was not found."


async def test_update_title() -> None:
    tasks = FakeTasks()
    tasks.seed("Call mom")

    turn = await run(tasks, "Change task 1 to 'Call mom tonight'")

    assert turn.calls == [("update_task", {"task_id": 1, "title": "Call mom tonight"})]
    assert turn.text == 'Updated task 1 to "Call mom tonight".'


async def test_named_delete_looks_up_then_deletes_the_match() -> None:
    tasks = FakeTasks()
    tasks.seed("Buy groceries")
    tasks.seed("Team meeting at 3")

    turn = await run(tasks, "Delete the meeting task")

    assert turn.calls == [
        ("list_tasks", {"status": "all", "query": "meeting"}),
        ("delete_task", {"task_id": 2}),
    ]
    assert turn.text == 'Deleted task 2 "Team meeting at 3".'
    assert list(tasks.tasks) == [1]


async def test_named_delete_asks_when_several_match() -> None:
    tasks = FakeTasks()
    tasks.seed("Team meeting")
    tasks.seed("Buy groceries")
    tasks.seed("Meeting notes")

    turn = await run(tasks, "Delete the meeting task")

    assert turn.calls == [("list_tasks", {"status": "all", "query": "meeting"})]
    assert turn.text == (
        'Several tasks match "meeting":\n1. Team meeting\n3. Meeting notes\n'
        "Which one do you mean? Please tell me its number."
    )
    assert len(tasks.tasks) == 3


async def test_named_delete_says_when_nothing_matches() -> None:
    tasks = FakeTasks()
    tasks.seed("Buy groceries")

    turn = await run(tasks, "Delete the meeting task")

    # The search as written found nothing, so the model looked wider (matching word stems).
    assert turn.calls == [
        ("list_tasks", {"status": "all", "query": "meeting"}),
        ("list_tasks", {"status": "all"}),
    ]
    assert turn.text == 'I couldn\'t find a task matching "meeting".'
    assert len(tasks.tasks) == 1


async def test_named_complete_looks_up_pending_tasks() -> None:
    tasks = FakeTasks()
    tasks.seed("Buy milk")

    turn = await run(tasks, "mark the milk task done")

    assert turn.calls == [
        ("list_tasks", {"status": "pending", "query": "milk"}),
        ("complete_task", {"task_id": 1}),
    ]
    assert turn.text == 'Marked task 1 "Buy milk" as complete.'


async def test_a_number_answers_the_which_one_question() -> None:
    tasks = FakeTasks()
    tasks.seed("Team meeting")
    tasks.seed("Meeting notes")
    asked = await run(tasks, "Delete the meeting task")

    answer = await run(tasks, [*asked.items, {"role": "user", "content": "2"}])

    assert answer.calls == [("delete_task", {"task_id": 2})]
    assert answer.text == 'Deleted task 2 "Meeting notes".'


async def test_a_stray_number_acts_on_nothing() -> None:
    tasks = FakeTasks()
    tasks.seed("A")
    tasks.seed("B")
    listed = await run(tasks, "list my tasks")

    answer = await run(tasks, [*listed.items, {"role": "user", "content": "2"}])

    assert answer.calls == []
    assert len(tasks.tasks) == 2


async def test_delete_it_resolves_the_previous_turns_task() -> None:
    tasks = FakeTasks()
    for title in ("A", "B", "Buy groceries"):
        tasks.seed(title)
    history = history_after_add(3, "Buy groceries")

    turn = await run(tasks, [*history, {"role": "user", "content": "delete it"}])

    assert turn.calls == [("delete_task", {"task_id": 3})]
    assert turn.text == 'Deleted task 3 "Buy groceries".'


async def test_that_one_after_a_list_of_one() -> None:
    tasks = FakeTasks()
    tasks.seed("A", completed=True)
    tasks.seed("Buy groceries")
    first = await run(tasks, "what's pending?")

    second = await run(tasks, [*first.items, {"role": "user", "content": "mark that one done"}])

    assert second.calls == [("complete_task", {"task_id": 2})]


async def test_it_after_a_longer_list_asks_which() -> None:
    tasks = FakeTasks()
    tasks.seed("A")
    tasks.seed("B")
    first = await run(tasks, "list my tasks")

    second = await run(tasks, [*first.items, {"role": "user", "content": "delete it"}])

    assert second.calls == []
    assert second.text.startswith("Which task do you mean?")
    assert len(tasks.tasks) == 2


async def test_sdk_items_from_a_previous_run_are_understood() -> None:
    tasks = FakeTasks()
    first = await run(tasks, "remind me to call mom")

    second = await run(tasks, [*first.items, {"role": "user", "content": "mark it done"}])

    assert second.calls == [("complete_task", {"task_id": 1})]
    assert second.text == 'Marked task 1 "Call mom" as complete.'


async def test_greeting_needs_no_tool() -> None:
    turn = await run(FakeTasks(), "hello")

    assert turn.calls == []
    assert turn.text.startswith("Hi! I can add, list, complete, update and delete your tasks.")


async def test_a_missing_tool_is_explained_not_called() -> None:
    tasks = FakeTasks()
    only_list = [tool for tool in tasks.tools() if tool.name == "list_tasks"]

    turn = await run(tasks, "Add a task to buy groceries", tools=only_list)

    assert turn.calls == []
    assert "add_task tool isn't available" in turn.text


async def test_non_streamed_run() -> None:
    agent = Agent(name="todo", model=OfflineModel(), tools=list(FakeTasks().tools()))

    result = await Runner.run(agent, "I need to remember to pay bills", run_config=RUN_CONFIG)

    assert result.final_output == 'Added "Pay bills" as task 1.'
    assert result.context_wrapper.usage.requests == 2


async def test_pydantic_input_items_and_prefixed_tool_names() -> None:
    tasks = FakeTasks()
    prefixed = [
        FunctionTool(
            name=f"mcp_todo__{tool.name}",
            description=tool.description,
            params_json_schema=tool.params_json_schema,
            on_invoke_tool=tool.on_invoke_tool,
        )
        for tool in tasks.tools()
    ]
    call = ResponseFunctionToolCall(
        type="function_call", call_id="c1", name="mcp_todo__add_task", arguments='{"title":"X"}'
    )
    output = {
        "type": "function_call_output",
        "call_id": "c1",
        "output": '{"task_id": 1, "status": "created", "title": "X"}',
    }
    history = cast(list[TResponseInputItem], [{"role": "user", "content": "add X"}, call, output])

    turn = await run(tasks, [*history, {"role": "user", "content": "complete it"}], tools=prefixed)

    assert turn.calls == [("mcp_todo__complete_task", {"task_id": 1})]
