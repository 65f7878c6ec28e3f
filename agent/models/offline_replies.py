"""What the offline model does next in a turn, and the sentences it says.

Pure: given the person's newest sentence and this turn's tool results so far, return either
one tool call or the final answer. Answers are built only from tool results, so the model
never states a task id or title that the tools did not return.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from agent.models.offline_intents import (
    AddTask,
    CompleteTask,
    DeleteTask,
    Intent,
    ListTasks,
    SmallTalk,
    TaskId,
    TaskName,
    UpdateTask,
    parse_intent,
    parse_task_ref,
)

_EXAMPLES = (
    'Try "Add a task to buy groceries", "What\'s pending?", "Mark task 3 as complete", '
    '"Change task 1 to \'Call mom tonight\'" or "Delete the meeting task".'
)
_CAPABILITIES = "I can add, list, complete, update and delete your tasks."
SMALL_TALK = {
    "greeting": f"Hi! {_CAPABILITIES} {_EXAMPLES}",
    "help": f"{_CAPABILITIES} {_EXAMPLES}",
    "thanks": "You're welcome! Anything else for your list?",
    "ask_title": 'What should the new task be called? For example: "Add a task to buy groceries".',
    "unknown": f"Sorry, I didn't quite get that. {_CAPABILITIES} {_EXAMPLES}",
}
ASK_WHICH = (
    'Which task do you mean? Please tell me its number, for example "task 3" '
    '(say "show my tasks" to see them).'
)
ANYTHING_ELSE = "Anything else I can do for your tasks?"
_EMPTY_LIST = {
    "all": "You have no tasks yet.",
    "pending": "You have no pending tasks.",
    "completed": "You haven't completed any tasks yet.",
}
_ERROR_PREFIX = re.compile(r"^(?:error executing tool \S+:\s*|error:\s*)", re.IGNORECASE)

_Targeted: TypeAlias = CompleteTask | DeleteTask | UpdateTask


@dataclass(frozen=True)
class ToolCall:
    name: str
    """The tool name of docs/api.md §7 (add_task, list_tasks, ...), without a server prefix."""
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    call: ToolCall
    data: dict[str, Any] | None
    """The tool's structured result; None when the output was an error text."""
    text: str
    """The raw output, or the readable error without an "Error executing tool" prefix."""


@dataclass(frozen=True)
class Turn:
    user_text: str | None
    """The person's newest message; None when the input holds no user message."""
    previous_output: str | None = None
    """The newest tool output before that message: what "it" and "that one" refer to."""
    previous_request: str | None = None
    """The person's previous message, when `previous_output` answered it."""
    results: list[ToolResult] = field(default_factory=list)
    """This turn's tool calls with their outputs, oldest first."""
    answered: bool = False
    """An assistant message already follows the person's message."""


Step: TypeAlias = ToolCall | str


def next_step(turn: Turn) -> Step:
    """One tool call to make next, or the final answer text."""
    if turn.user_text is None:
        return SMALL_TALK["help"]
    intent = parse_intent(turn.user_text)
    if turn.results:
        return _after_tools(intent, turn.results)
    if turn.answered:
        return ANYTHING_ELSE
    choice = _choice_after_question(turn.user_text, intent, turn)
    if choice is not None:
        return choice
    previous_task_id = task_named_by(turn.previous_output) if turn.previous_output else None
    return _first_step(intent, previous_task_id)


def read_result(call: ToolCall, output: str) -> ToolResult:
    """Tool outputs are compact JSON of the structured result, or a readable error text."""
    data = json_object(output)
    if data is None:
        return ToolResult(call, None, _ERROR_PREFIX.sub("", output.strip()) or "the tool failed.")
    return ToolResult(call, data, output)


def task_named_by(output: str) -> int | None:
    """The id of the single live task a tool output names ("it", "that one"), if exactly one."""
    data = json_object(output)
    if data is None:
        return None
    if type(data.get("task_id")) is int and data.get("status") != "deleted":
        return int(data["task_id"])
    tasks = _tasks(data)
    return int(tasks[0]["id"]) if len(tasks) == 1 else None


def json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _first_step(intent: Intent, previous_task_id: int | None) -> Step:
    if isinstance(intent, SmallTalk):
        return SMALL_TALK[intent.kind]
    if isinstance(intent, AddTask):
        return ToolCall("add_task", _args(title=intent.title, description=intent.description))
    if isinstance(intent, ListTasks):
        return ToolCall("list_tasks", _args(status=intent.status, query=intent.query))
    target = intent.target
    if isinstance(target, TaskName):
        return ToolCall("list_tasks", {"status": _lookup_status(intent), "query": target.query})
    task_id = target.task_id if isinstance(target, TaskId) else previous_task_id
    return ASK_WHICH if task_id is None else _action(intent, task_id)


def _choice_after_question(text: str, intent: Intent, turn: Turn) -> Step | None:
    """ "3" in reply to "Several tasks match …, which one?": finish the action asked before.

    Only a bare task number, only one of the ids just offered, and only when the previous
    turn ended on that lookup, so a stray number never acts on anything.
    """
    ref = parse_task_ref(text.strip().rstrip(".!?")) if isinstance(intent, SmallTalk) else None
    if not isinstance(ref, TaskId) or turn.previous_request is None or not turn.previous_output:
        return None
    named = _named_target(parse_intent(turn.previous_request))
    offered = [task["id"] for task in _tasks(json_object(turn.previous_output) or {})]
    if named is None or len(offered) < 2 or ref.task_id not in offered:
        return None
    return _action(named[0], ref.task_id)


def _after_tools(intent: Intent, results: list[ToolResult]) -> Step:
    named = _named_target(intent)
    if named is None or results[0].call.name != "list_tasks":
        return "\n".join(map(_render, results))
    if len(results) > 1:
        # The lookup list is a means, not the answer: report only the action taken on it.
        return "\n".join(map(_render, results[1:]))
    return _after_lookup(*named, results[0])


def _named_target(intent: Intent) -> tuple[_Targeted, str] | None:
    if isinstance(intent, CompleteTask | DeleteTask | UpdateTask) and isinstance(
        intent.target, TaskName
    ):
        return intent, intent.target.query
    return None


def _after_lookup(intent: _Targeted, query: str, lookup: ToolResult) -> Step:
    if lookup.data is None:
        return _render(lookup)
    matches = _matches(_tasks(lookup.data), query)
    if len(matches) == 1:
        return _action(intent, int(matches[0]["id"]))
    if not matches:
        kind = "pending task" if _lookup_status(intent) == "pending" else "task"
        return f'I couldn\'t find a {kind} matching "{query}".'
    listing = "\n".join(_line(task) for task in matches)
    return (
        f'Several tasks match "{query}":\n{listing}\n'
        "Which one do you mean? Please tell me its number."
    )


def _action(intent: _Targeted, task_id: int) -> ToolCall:
    if isinstance(intent, CompleteTask):
        return ToolCall("complete_task", {"task_id": task_id})
    if isinstance(intent, DeleteTask):
        return ToolCall("delete_task", {"task_id": task_id})
    return ToolCall(
        "update_task", _args(task_id=task_id, title=intent.title, description=intent.description)
    )


def _lookup_status(intent: _Targeted) -> str:
    # Completing targets open tasks only, so a finished namesake does not make it ambiguous.
    return "pending" if isinstance(intent, CompleteTask) else "all"


def _matches(tasks: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    exact = [task for task in tasks if str(task.get("title", "")).casefold() == query.casefold()]
    return exact if len(exact) == 1 else tasks


def _args(**values: object) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _tasks(data: dict[str, Any]) -> list[dict[str, Any]]:
    tasks = data.get("tasks")
    if not isinstance(tasks, list):
        return []
    return [task for task in tasks if isinstance(task, dict) and type(task.get("id")) is int]


# ---- answers --------------------------------------------------------------------------------


def _render(result: ToolResult) -> str:
    if result.data is None:
        error = result.text if result.text[-1:] in ".!?" else f"{result.text}."
        return f"Sorry, I couldn't do that: {error}"
    if "tasks" in result.data:
        return _render_list(result.data, result.call.arguments)
    task_id, title, status = (result.data.get(key) for key in ("task_id", "title", "status"))
    if type(task_id) is not int:
        return f"The task tool answered: {result.text}"
    named = f'task {task_id} "{title}"' if title else f"task {task_id}"
    if status == "created":
        return f'Added "{title}" as task {task_id}.' if title else f"Added task {task_id}."
    if status == "completed":
        return f"Marked {named} as complete."
    if status == "deleted":
        return f"Deleted {named}."
    if status == "updated" and "title" in result.call.arguments:
        return f'Updated task {task_id} to "{title}".'
    if status == "updated":
        return f"Updated the description of {named}."
    return f"The task tool answered: {result.text}"


def _render_list(data: dict[str, Any], arguments: dict[str, Any]) -> str:
    status = str(arguments.get("status") or "all")
    query = arguments.get("query")
    tasks = _tasks(data)
    kind = "" if status == "all" else f"{status} "
    if not tasks:
        if query:
            return f'You have no {kind}tasks matching "{query}".'
        return _EMPTY_LIST.get(status, _EMPTY_LIST["all"])
    heading = f"Here are your {kind}tasks" + (f' matching "{query}":' if query else ":")
    lines = [heading, *map(_line, tasks)]
    count = data.get("count")
    if type(count) is int and count > len(tasks):
        lines.append(f"…and {count - len(tasks)} more.")
    return "\n".join(lines)


def _line(task: dict[str, Any]) -> str:
    done = " (done)" if task.get("completed") else ""
    return f"{task['id']}. {task.get('title', '')}{done}"
