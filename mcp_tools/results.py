"""Tool result shapes (docs/api.md §7) and the readable error result."""

from typing import Literal

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel


class TaskAction(BaseModel):
    task_id: int
    status: Literal["created", "completed", "deleted", "updated"]
    title: str


class TaskSummary(BaseModel):
    id: int
    title: str
    description: str | None
    completed: bool


class TaskListing(BaseModel):
    tasks: list[TaskSummary]
    count: int


def tool_error(text: str) -> CallToolResult:
    """An `isError` result whose text a person can read (no "Error executing tool" prefix)."""
    return CallToolResult(is_error=True, content=[TextContent(type="text", text=text)])
