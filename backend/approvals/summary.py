"""A waiting tool call as a question for a person: `Delete task 3 “Buy milk”?`."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import tasks as _tasks


async def summaries(
    session: AsyncSession, owner: str, calls: list[dict[str, Any]]
) -> dict[str, str]:
    """Call id -> its question, naming each task by number and title (the owner's tasks
    only: a number that is not theirs is named by its number alone)."""
    numbers = {n for call in calls if type(n := call["arguments"].get("task_id")) is int}
    titles: dict[int, str] = {}
    if numbers:
        rows = await session.execute(
            select(_tasks.c.number, _tasks.c.title).where(
                _tasks.c.user_id == owner, _tasks.c.number.in_(numbers)
            )
        )
        titles = {row.number: row.title for row in rows}
    return {call["id"]: _question(call["tool"], call["arguments"], titles) for call in calls}


def _question(tool: str, arguments: dict[str, Any], titles: dict[int, str]) -> str:
    task_id = arguments.get("task_id")
    named = "the task"
    if type(task_id) is int:
        title = titles.get(task_id)
        named = f"task {task_id} “{title}”" if title else f"task {task_id}"
    if tool == "delete_task":
        return f"Delete {named}?"
    if tool == "complete_task":
        return f"Mark {named} as done?"
    if tool == "update_task":
        new_title = arguments.get("title")
        return f"Change {named} to “{new_title}”?" if new_title else f"Change {named}?"
    if tool == "add_task":
        return f"Add the task “{arguments.get('title', '')}”?"
    return f"Let the assistant run {tool}?"
