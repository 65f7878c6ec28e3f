"""The five task tools (docs/api.md §7). Thin: validate, call the task store, return the shape.

No tool has a user parameter the model can fill: `owner` is resolved from the verified token
over HTTP, or from the request's `_meta` that only the in-process bridge writes
(mcp_tools/identity.py); `zone`, the user's time zone, from `_meta` too.
"""

from datetime import time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from mcp.server.mcpserver import MCPServer, Resolve
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from backend.activity.record import Origin
from backend.db.engine import SessionMaker
from backend.fields import SearchQuery, TaskDescription, TaskTag, TaskTags, TaskTitle
from backend.http.errors import SearchTimedOut, TaskLimitReached
from backend.tasks.recurrence import Recurrence
from backend.tasks.store import (
    Priority,
    RecurrenceNeedsDueDate,
    TaskFilter,
    TaskRecord,
    TaskSort,
    TaskStore,
)
from mcp_tools.dates import parse_when
from mcp_tools.identity import current_origin, current_user, current_zone
from mcp_tools.results import (
    TaskAction,
    TaskListing,
    TaskSummary,
    extras,
    structured,
    tool_error,
)

Owner = Annotated[str, Resolve(current_user)]
Zone = Annotated[ZoneInfo, Resolve(current_zone)]
# Who made a change, for the activity record (never a tool argument either).
Made = Annotated[Origin, Resolve(current_origin)]
TaskId = Annotated[
    int,
    Field(ge=1, le=2_147_483_647, description="The task's number as shown by list_tasks."),
]
Title = Annotated[TaskTitle, Field(description="Short task title, e.g. 'Buy groceries'.")]
Description = Annotated[TaskDescription | None, Field(description="Optional details.")]
CLEAR = "none"
NEEDS_DUE = "A recurring task needs a due date: give `due` too."
PriorityArg = Annotated[
    Priority | Literal["none"] | None,
    Field(description="How important: 'low', 'medium' or 'high' ('none' removes it)."),
]
TagsArg = Annotated[
    TaskTags | None,
    Field(
        description="Labels such as ['work', 'errands'] (up to 10, each up to 30 characters). "
        "On update they replace the task's tags: include the current ones to keep them."
    ),
]
DueArg = Annotated[
    str | None,
    Field(
        description="When it is due, ISO 8601: a date '2026-12-05' (by the end of that day) or "
        "a date-time '2026-12-05T17:00', local time unless it has an offset. "
        "'none' removes it.",
        max_length=40,
    ),
]
RecurrenceArg = Annotated[
    Recurrence | Literal["none"] | None,
    Field(
        description="Repeat it: 'daily', 'weekdays', 'weekly' or 'monthly' (needs a due date; "
        "completing it creates the next one). 'none' stops it."
    ),
]
RemindArg = Annotated[
    str | None,
    Field(
        description="When to send a reminder, ISO 8601 date-time such as '2026-12-05T09:00' "
        "(local time unless it has an offset). 'none' removes it.",
        max_length=40,
    ),
]
ListDate = Annotated[str | None, Field(max_length=40)]


def _not_found(task_id: int) -> CallToolResult:
    return tool_error(f"Task {task_id} was not found.")


def _action(record: TaskRecord, status: str, zone: ZoneInfo, **more: Any) -> CallToolResult:
    fields = {"task_id": record.number, "status": status, "title": record.title}
    return structured(TaskAction.model_validate(fields | extras(record, zone) | more))


def _richer_fields(
    zone: ZoneInfo,
    priority: str | None,
    tags: list[str] | None,
    due: str | None,
    recurrence: str | None,
    remind: str | None,
) -> dict[str, Any]:
    """The store's fields for what the model gave ('none' clears); ValueError if unreadable."""
    given: dict[str, Any] = {}
    if priority is not None:
        given["priority"] = None if priority == CLEAR else priority
    if tags is not None:
        given["tags"] = tags
    if due is not None:
        given["due_at"] = None if due == CLEAR else parse_when(due, zone)
        given["time_zone"] = zone.key
    if recurrence is not None:
        given["recurrence"] = None if recurrence == CLEAR else recurrence
        given["time_zone"] = zone.key
    if remind is not None:
        given["remind_at"] = None if remind == CLEAR else parse_when(remind, zone, day_time=time(9))
    return given


def _hints(
    title: str, *, read_only: bool = False, destructive: bool = False, idempotent: bool = False
) -> dict[str, Any]:
    """A tool's `title` and its MCP annotations: what a client's host shows its person and
    decides on (nothing here reaches beyond the user's own list: never open-world)."""
    return {
        "title": title,
        "annotations": ToolAnnotations(
            title=title,
            read_only_hint=read_only,
            destructive_hint=destructive,
            idempotent_hint=idempotent,
            open_world_hint=False,
        ),
    }


def register_task_tools(server: MCPServer, sessionmaker: SessionMaker) -> None:
    @server.tool(description="Create a new task for the user.", **_hints("Add a task"))
    async def add_task(
        title: Title,
        owner: Owner,
        zone: Zone,
        origin: Made,
        description: Description = None,
        priority: PriorityArg = None,
        tags: TagsArg = None,
        due: DueArg = None,
        recurrence: RecurrenceArg = None,
        remind: RemindArg = None,
    ) -> Annotated[CallToolResult, TaskAction]:
        try:
            fields = _richer_fields(zone, priority, tags, due, recurrence, remind)
        except ValueError as error:
            return tool_error(str(error))
        if fields.get("recurrence") and not fields.get("due_at"):
            return tool_error(NEEDS_DUE)
        fields = {"time_zone": zone.key, **fields}
        try:
            async with sessionmaker.begin() as session:
                record = await TaskStore(session, owner, origin).create(
                    title, description=description, **fields
                )
        except TaskLimitReached as error:
            return tool_error(error.detail)
        return _action(record, "created", zone)

    @server.tool(
        description="List the user's tasks, optionally filtered (status, search text, "
        "priority, tag, due dates, overdue) and sorted.",
        **_hints("List tasks", read_only=True, idempotent=True),
    )
    async def list_tasks(
        owner: Owner,
        zone: Zone,
        status: Annotated[
            Literal["all", "pending", "completed"],
            Field(description="'pending' for open tasks, 'completed' for done ones."),
        ] = "all",
        query: Annotated[
            SearchQuery | None, Field(description="Only tasks whose title or description match.")
        ] = None,
        priority: Annotated[Priority | None, Field(description="Only this priority.")] = None,
        tag: Annotated[TaskTag | None, Field(description="Only tasks with this tag.")] = None,
        due_before: Annotated[
            ListDate,
            Field(description="Only tasks due before this ISO 8601 date (inclusive) or time."),
        ] = None,
        due_after: Annotated[
            ListDate,
            Field(description="Only tasks due after this ISO 8601 date (inclusive) or time."),
        ] = None,
        overdue: Annotated[
            bool, Field(description="Only tasks past their due time and not completed.")
        ] = False,
        sort: Annotated[
            TaskSort,
            Field(
                description="Order: 'id' (default), 'due_at' (soonest first), 'priority' "
                "(high first), 'title', 'created_at' or 'updated_at'."
            ),
        ] = "id",
    ) -> Annotated[CallToolResult, TaskListing]:
        try:
            before = parse_when(due_before, zone) if due_before else None
            after = parse_when(due_after, zone, day_time=time(0)) if due_after else None
        except ValueError as error:
            return tool_error(str(error))
        filters = TaskFilter(status, query, priority, (tag,) if tag else (), before, after, overdue)
        try:
            async with sessionmaker.begin() as session:
                store = TaskStore(session, owner)
                records, _ = await store.list_tasks(filters, sort=sort, limit=100)
        except SearchTimedOut as error:
            return tool_error(error.detail)
        tasks = [
            TaskSummary.model_validate(
                {
                    "id": r.number,
                    "title": r.title,
                    "description": r.description,
                    "completed": r.completed,
                }
                | extras(r, zone)
            )
            for r in records
        ]
        return structured(TaskListing(tasks=tasks, count=len(tasks)))

    @server.tool(
        description="Mark one of the user's tasks as completed. A recurring task's next "
        "occurrence is created and returned as next_task_id.",
        **_hints("Complete a task", idempotent=True),
    )
    async def complete_task(
        task_id: TaskId, owner: Owner, zone: Zone, origin: Made
    ) -> Annotated[CallToolResult, TaskAction]:
        try:
            async with sessionmaker.begin() as session:
                store = TaskStore(session, owner, origin)
                change = await store.update(task_id, completed=True)
        except TaskLimitReached as error:  # its next occurrence would pass the cap
            return tool_error(error.detail)
        if change is None:
            return _not_found(task_id)
        more = {"next_task_id": change.next_task.number} if change.next_task else {}
        return _action(change.task, "completed", zone, **more)

    @server.tool(
        description="Delete one of the user's tasks by its number.",
        **_hints("Delete a task", destructive=True, idempotent=True),
    )
    async def delete_task(
        task_id: TaskId, owner: Owner, zone: Zone, origin: Made
    ) -> Annotated[CallToolResult, TaskAction]:
        async with sessionmaker.begin() as session:
            record = await TaskStore(session, owner, origin).delete(task_id)
        return _action(record, "deleted", zone) if record else _not_found(task_id)

    @server.tool(
        description="Change one of the user's tasks: title, description, priority, tags, due "
        "date, recurrence or reminder. Only the arguments given change.",
        # Destructive in MCP's sense: it overwrites what was there (undo can put it back).
        **_hints("Change a task", destructive=True, idempotent=True),
    )
    async def update_task(
        task_id: TaskId,
        owner: Owner,
        zone: Zone,
        origin: Made,
        title: Annotated[TaskTitle | None, Field(description="The new title.")] = None,
        description: Description = None,
        priority: PriorityArg = None,
        tags: TagsArg = None,
        due: DueArg = None,
        recurrence: RecurrenceArg = None,
        remind: RemindArg = None,
    ) -> Annotated[CallToolResult, TaskAction]:
        try:
            changes = _richer_fields(zone, priority, tags, due, recurrence, remind)
        except ValueError as error:
            return tool_error(str(error))
        basics = {"title": title, "description": description}
        changes |= {name: value for name, value in basics.items() if value is not None}
        if not changes:
            return tool_error(
                "Tell me what to change: a new title or description, the priority, "
                "tags, due date, recurrence or reminder."
            )
        try:
            async with sessionmaker.begin() as session:
                change = await TaskStore(session, owner, origin).update(task_id, **changes)
        except RecurrenceNeedsDueDate:
            return tool_error(NEEDS_DUE)
        return _action(change.task, "updated", zone) if change else _not_found(task_id)
