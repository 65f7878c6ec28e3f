"""The five task tools (docs/api.md §7). Thin: validate, call the task store, return the shape.

No tool has a user parameter the model can fill: `owner` is resolved from the verified token
over HTTP, or from the request's `_meta` that only the in-process bridge writes
(mcp_tools/identity.py).
"""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer, Resolve
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from backend.db import SessionMaker
from backend.errors import SearchTimedOut, TaskLimitReached
from backend.fields import SearchQuery, TaskDescription, TaskTitle
from backend.tasks.store import TaskRecord, TaskStore
from mcp_tools.identity import current_user
from mcp_tools.results import TaskAction, TaskListing, TaskSummary, tool_error

Owner = Annotated[str, Resolve(current_user)]
TaskId = Annotated[
    int,
    Field(ge=1, le=2_147_483_647, description="The task's number as shown by list_tasks."),
]
Title = Annotated[TaskTitle, Field(description="Short task title, e.g. 'Buy groceries'.")]
Description = Annotated[TaskDescription | None, Field(description="Optional details.")]


def _not_found(task_id: int) -> CallToolResult:
    return tool_error(f"Task {task_id} was not found.")


def _action(record: TaskRecord, status: str) -> TaskAction:
    return TaskAction.model_validate(
        {"task_id": record.number, "status": status, "title": record.title}
    )


def register_task_tools(server: MCPServer, sessionmaker: SessionMaker) -> None:
    @server.tool(description="Create a new task for the user.")
    async def add_task(
        title: Title, owner: Owner, description: Description = None
    ) -> Annotated[CallToolResult, TaskAction]:
        try:
            async with sessionmaker.begin() as session:
                record = await TaskStore(session, owner).create(title, description)
        except TaskLimitReached as error:
            return tool_error(error.detail)
        return _structured(_action(record, "created"))

    @server.tool(
        description="List the user's tasks, optionally filtered by status or a search text.",
        annotations=ToolAnnotations(read_only_hint=True),
    )
    async def list_tasks(
        owner: Owner,
        status: Annotated[
            Literal["all", "pending", "completed"],
            Field(description="'pending' for open tasks, 'completed' for done ones."),
        ] = "all",
        query: Annotated[
            SearchQuery | None, Field(description="Only tasks whose title or description match.")
        ] = None,
    ) -> Annotated[CallToolResult, TaskListing]:
        try:
            async with sessionmaker.begin() as session:
                records, _ = await TaskStore(session, owner).list_tasks(status, query, limit=100)
        except SearchTimedOut as error:
            return tool_error(error.detail)
        tasks = [
            TaskSummary(
                id=r.number, title=r.title, description=r.description, completed=r.completed
            )
            for r in records
        ]
        return _structured(TaskListing(tasks=tasks, count=len(tasks)))

    @server.tool(description="Mark one of the user's tasks as completed.")
    async def complete_task(task_id: TaskId, owner: Owner) -> Annotated[CallToolResult, TaskAction]:
        async with sessionmaker.begin() as session:
            record = await TaskStore(session, owner).update(task_id, completed=True)
        return _structured(_action(record, "completed")) if record else _not_found(task_id)

    @server.tool(
        description="Delete one of the user's tasks by its number.",
        annotations=ToolAnnotations(destructive_hint=True),
    )
    async def delete_task(task_id: TaskId, owner: Owner) -> Annotated[CallToolResult, TaskAction]:
        async with sessionmaker.begin() as session:
            record = await TaskStore(session, owner).delete(task_id)
        return _structured(_action(record, "deleted")) if record else _not_found(task_id)

    @server.tool(description="Change the title and/or description of one of the user's tasks.")
    async def update_task(
        task_id: TaskId,
        owner: Owner,
        title: Annotated[TaskTitle | None, Field(description="The new title.")] = None,
        description: Description = None,
    ) -> Annotated[CallToolResult, TaskAction]:
        changes: dict[str, Any] = {
            k: v for k, v in {"title": title, "description": description}.items() if v is not None
        }
        if not changes:
            return tool_error("Tell me the new title or description for the task.")
        async with sessionmaker.begin() as session:
            record = await TaskStore(session, owner).update(task_id, **changes)
        return _structured(_action(record, "updated")) if record else _not_found(task_id)


def _structured(result: TaskAction | TaskListing) -> CallToolResult:
    # The text copy is for plain MCP clients; the agent reads the structured content only.
    return CallToolResult(
        structured_content=result.model_dump(mode="json"),
        content=[TextContent(type="text", text=result.model_dump_json())],
    )
