"""The offline model's sentences: fixed replies, and tool results told back to the person.

Built only from tool results, so the model never states a task id or title the tools did
not return.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.approvals import DECLINED_OUTPUT
from agent.models import linear

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
ASK_CHANGE = 'What should I change? For example: "rename task 2 to Call dad".'
_CHOICES = (
    "mark {it} done, change {it} (name, priority, tags, due date, repeat or reminder) "
    "or delete {it}"
)


def ask_what_to_do(named: str, *, several: bool = False) -> str:
    """The question for a message that names a task but not what to do with it."""
    choices = _CHOICES.format(it="them" if several else "it")
    return f"What would you like me to do with {named}: {choices}?"


def ask_which_to_change(matches: list[dict[str, Any]], title: str) -> str:
    """Words that may be a new task's title or name tasks there are: ask, add nothing."""
    listing = "\n".join(line(task) for task in matches)
    one = "that one" if len(matches) == 1 else "one of those (which number?)"
    return f'You already have:\n{listing}\nShould I change {one}, or add "{title}" as a new task?'


ANYTHING_ELSE = "Anything else I can do for your tasks?"
_EMPTY_LIST = {
    "all": "You have no tasks yet.",
    "pending": "You have no pending tasks.",
    "completed": "You haven't completed any tasks yet.",
}
_ERROR_PREFIX = linear.compile(r"^(?:error executing tool \S+:\s*|error:\s*)", ignore_case=True)


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


def read_result(call: ToolCall, output: str) -> ToolResult:
    """Tool outputs are compact JSON of the structured result, or a readable error text."""
    data = json_object(output)
    if data is None:
        return ToolResult(call, None, _ERROR_PREFIX.sub("", output.strip()) or "the tool failed.")
    return ToolResult(call, data, output)


def json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def tasks_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    tasks = data.get("tasks")
    if not isinstance(tasks, list):
        return []
    return [task for task in tasks if isinstance(task, dict) and type(task.get("id")) is int]


def render(result: ToolResult) -> str:
    if result.data is None and result.text == DECLINED_OUTPUT:
        return "OK, I kept it." if result.call.name == "delete_task" else "OK, I left it as it was."
    if result.data is None:
        error = result.text if result.text[-1:] in ".!?" else f"{result.text}."
        return f"Sorry, I couldn't do that: {error}"
    if "tasks" in result.data:
        return _render_list(result.data, result.call.arguments)
    task_id, title, status = (result.data.get(key) for key in ("task_id", "title", "status"))
    if type(task_id) is not int:
        return f"The task tool answered: {result.text}"
    named = f'task {task_id} "{title}"' if title else f"task {task_id}"
    details = _details(result.call.arguments)
    if status == "created":
        added = f'Added "{title}" as task {task_id}' if title else f"Added task {task_id}"
        return f"{added} ({details})." if details else f"{added}."
    if status == "completed":
        following = result.data.get("next_task_id")
        then = f" The next one is task {following}." if type(following) is int else ""
        return f"Marked {named} as complete.{then}"
    if status == "deleted":
        return f"Deleted {named}."
    if status == "updated" and "title" in result.call.arguments:
        return f'Updated task {task_id} to "{title}".'
    if status == "updated" and details:
        return f"Updated {named}: {details}."
    if status == "updated":
        return f"Updated the description of {named}."
    return f"The task tool answered: {result.text}"


def line(task: dict[str, Any]) -> str:
    done = " (done)" if task.get("completed") else ""
    extra = _details({"priority": task.get("priority"), "due": task.get("due_at")})
    return f"{task['id']}. {task.get('title', '')}{done}" + (f" ({extra})" if extra else "")


def _details(arguments: dict[str, Any]) -> str:
    """ "high priority, due 2026-12-04 23:59, tags work": the richer fields a call set (or
    removed: "no due date")."""
    parts = []
    for name, cleared in _CLEARED.items():
        if arguments.get(name) == "none" or (name == "tags" and arguments.get(name) == []):
            parts.append(cleared)
    if arguments.get("priority") not in (None, "none"):
        parts.append(f"{arguments['priority']} priority")
    if isinstance(arguments.get("due"), str) and arguments["due"] != "none":
        parts.append(f"due {_when(arguments['due'])}")
    if arguments.get("recurrence") not in (None, "none"):
        parts.append(f"repeats {arguments['recurrence']}")
    if isinstance(arguments.get("remind"), str) and arguments["remind"] != "none":
        parts.append(f"reminder {_when(arguments['remind'])}")
    if isinstance(arguments.get("tags"), list) and arguments["tags"]:
        parts.append("tags " + ", ".join(map(str, arguments["tags"])))
    return ", ".join(parts)


_CLEARED = {
    "priority": "no priority",
    "due": "no due date",
    "recurrence": "no repeat",
    "remind": "no reminder",
    "tags": "no tags",
}


def _when(text: str) -> str:
    """The wall time on the user's clock, written one way for every reader ("2026-12-04 23:59"):
    the chat page shows it in the person's locale, as its task panel writes dates."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text
    return f"{when:%Y-%m-%d %H:%M}"


def _render_list(data: dict[str, Any], arguments: dict[str, Any]) -> str:
    status = str(arguments.get("status") or "all")
    query = arguments.get("query")
    tasks = tasks_of(data)
    kind = "" if status == "all" else f"{status} "
    if not tasks:
        if query:
            return f'You have no {kind}tasks matching "{query}".'
        if len(arguments) > 1 or (arguments and "status" not in arguments):
            return f"You have no {kind}tasks that fit."
        return _EMPTY_LIST.get(status, _EMPTY_LIST["all"])
    heading = f"Here are your {kind}tasks" + (f' matching "{query}":' if query else ":")
    lines = [heading, *map(line, tasks)]
    count = data.get("count")
    if type(count) is int and count > len(tasks):
        lines.append(f"…and {count - len(tasks)} more.")
    return "\n".join(lines)
