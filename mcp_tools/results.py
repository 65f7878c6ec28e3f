"""Tool result shapes (docs/api.md §7 and §18) and the readable error result.

The richer fields (priority, tags, due_at, recurrence, remind_at) appear only when a task has
them, so a plain task's result is exactly the basic shape; times are in the user's zone.
"""

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from backend.tasks.recurrence import Recurrence
from backend.tasks.store import Priority, TaskRecord


class TaskExtras(BaseModel):
    priority: Priority | None = None
    tags: list[str] | None = None
    due_at: datetime | None = None
    recurrence: Recurrence | None = None
    remind_at: datetime | None = None


class TaskAction(TaskExtras):
    task_id: int
    status: Literal["created", "completed", "deleted", "updated"]
    title: str
    # Set by complete_task when the task recurs: the number of its next occurrence.
    next_task_id: int | None = None


class TaskSummary(TaskExtras):
    id: int
    title: str
    description: str | None
    completed: bool


class TaskListing(BaseModel):
    tasks: list[TaskSummary]
    count: int


def extras(record: TaskRecord, zone: ZoneInfo) -> dict[str, Any]:
    """The richer fields the task has, its times on the user's clock."""
    found: dict[str, Any] = {
        "priority": record.priority,
        "tags": list(record.tags) or None,
        "due_at": record.due_at.astimezone(zone) if record.due_at else None,
        "recurrence": record.recurrence,
        "remind_at": record.remind_at.astimezone(zone) if record.remind_at else None,
    }
    return {name: value for name, value in found.items() if value is not None}


def structured(result: TaskAction | TaskListing) -> CallToolResult:
    # Unset fields are left out: a task without extras keeps the basic shape.
    # The text copy is for plain MCP clients; the agent reads the structured content only.
    data = result.model_dump(mode="json", exclude_unset=True)
    return CallToolResult(
        structured_content=data,
        content=[TextContent(type="text", text=result.model_dump_json(exclude_unset=True))],
    )


def tool_error(text: str) -> CallToolResult:
    """An `isError` result whose text a person can read (no "Error executing tool" prefix)."""
    return CallToolResult(is_error=True, content=[TextContent(type="text", text=text)])
