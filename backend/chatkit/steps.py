"""Tool calls as a person reads them: one ChatKit workflow task per call ("Task 3 created:
Buy milk", "2 tasks found" with the list), in the stream and in the stored thread alike.

Workflow tasks rather than a widget: every tool's result reads well as one line (plus a list
for `list_tasks`), ChatKit shows a workflow collapsed under the answer it led to, and the text
answer already says what happened; a widget would repeat it at the size of a card."""

from typing import Any

from chatkit.types import CustomTask

# What each tool is doing, and what it did when its result says nothing more specific.
LABELS = {
    "add_task": ("Adding a task", "Added a task"),
    "list_tasks": ("Looking up your tasks", "Looked up your tasks"),
    "complete_task": ("Completing a task", "Completed a task"),
    "delete_task": ("Deleting a task", "Deleted a task"),
    "update_task": ("Updating a task", "Updated a task"),
    "undo_last_change": ("Undoing the last change", "Undid the last change"),
}


def running(name: str) -> CustomTask:
    """A tool call that has started."""
    return CustomTask(title=f"{_label(name)}…", icon="bolt", status_indicator="loading")


def finished(name: str, output: Any, is_error: bool) -> CustomTask:
    """A tool call with its result (`output`: the structured result, or the error text)."""
    if is_error:  # the tool's own sentence for a person ("Task 9 was not found.")
        return CustomTask(title=str(output), icon="info", status_indicator="complete")
    title, content = _result(name, output)
    return CustomTask(title=title, content=content, icon="check", status_indicator="complete")


def summary(tasks: list[CustomTask]) -> str:
    """The workflow's one line while collapsed."""
    if len(tasks) == 1 and tasks[0].title:
        return tasks[0].title
    return f"{len(tasks)} task actions"


def stored(call: dict[str, Any]) -> CustomTask:
    """A tool call as an assistant message keeps it (docs/api.md §8's `tool_calls`)."""
    return finished(call["name"], call.get("output"), bool(call.get("is_error")))


def _label(name: str) -> str:
    # A tool this list does not know yet is named in words, never by its identifier.
    return LABELS[name][0] if name in LABELS else "Working on your tasks"


def _result(name: str, output: Any) -> tuple[str, str | None]:
    if isinstance(output, dict) and isinstance(output.get("tasks"), list):
        tasks = output["tasks"]
        found = "1 task found" if len(tasks) == 1 else f"{len(tasks)} tasks found"
        return found, "\n".join(_task_line(task) for task in tasks) or None
    if isinstance(output, dict) and {"task_id", "status", "title"} <= output.keys():
        title = f"Task {output['task_id']} {output['status']}: {output['title']}"
        if output.get("next_task_id"):
            title += f" (next: task {output['next_task_id']})"
        return title, None
    if isinstance(output, dict) and isinstance(output.get("count"), int) and "undone" in output:
        count = output["count"]
        return ("Undid 1 change" if count == 1 else f"Undid {count} changes"), None
    return LABELS[name][1] if name in LABELS else "Done", None


def _task_line(task: Any) -> str:
    if not isinstance(task, dict):
        return f"- {task}"
    mark = "✓" if task.get("completed") else "○"
    return f"- {mark} {task.get('id')}. {task.get('title')}"
