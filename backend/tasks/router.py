"""Task REST routes (docs/api.md §6 and §18; the rules in docs/tasks.md)."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError

from backend.auth.deps import Owner
from backend.deps import SessionDep
from backend.fields import MAX_ROW_NUMBER, Moment, PathNumber, SearchQuery, TaskTag
from backend.http.errors import (
    Forbidden,
    IdempotencyKeyReused,
    InvalidRequest,
    PayloadTooLarge,
    SearchBusy,
    SearchTimedOut,
    TaskLimitReached,
    TaskNotFound,
    TooManyApiRequests,
    Unauthorized,
    responses,
)
from backend.idempotency.http import IdempotencyKeyHeader, replayed
from backend.idempotency.store import IdempotencyStore, request_hash
from backend.limits.rest import REST_RATE_LIMIT
from backend.tasks.schemas import (
    ChangedTaskOut,
    TagCount,
    TagList,
    TaskCreate,
    TaskList,
    TaskOut,
    TaskPatch,
    TaskReplace,
)
from backend.tasks.store import (
    Priority,
    RecurrenceNeedsDueDate,
    SortOrder,
    TaskChange,
    TaskFilter,
    TaskRecord,
    TaskSort,
    TaskStatus,
    TaskStore,
)

router = APIRouter(
    prefix="/api/{user_id}/tasks",
    tags=["tasks"],
    responses=responses(Unauthorized, Forbidden, InvalidRequest, TooManyApiRequests),
    dependencies=[REST_RATE_LIMIT],
)
tags_router = APIRouter(
    prefix="/api/{user_id}/tags",
    tags=["tasks"],
    responses=responses(Unauthorized, Forbidden, InvalidRequest, TooManyApiRequests),
    dependencies=[REST_RATE_LIMIT],
)
TaskNumber = Annotated[PathNumber, Path(ge=1, le=MAX_ROW_NUMBER, description="The task's number.")]


def _task_links() -> dict[str, Any]:
    """OpenAPI links: the task a POST created is reachable by every task route."""
    task_path = "#/paths/~1api~1{user_id}~1tasks~1{task_id}"
    parameters = {"user_id": "$request.path.user_id", "task_id": "$response.body#/id"}
    targets = {
        "GetTask": f"{task_path}/get",
        "ReplaceTask": f"{task_path}/put",
        "PatchTask": f"{task_path}/patch",
        "ToggleTask": f"{task_path}~1complete/patch",
        "DeleteTask": f"{task_path}/delete",
    }
    return {name: {"operationRef": ref, "parameters": parameters} for name, ref in targets.items()}


def _found(record: TaskRecord | None) -> TaskOut:
    if record is None:
        raise TaskNotFound()
    return TaskOut.of(record)


def _changed(change: TaskChange | None) -> ChangedTaskOut:
    if change is None:
        raise TaskNotFound()
    next_task_id = change.next_task.number if change.next_task else None
    return ChangedTaskOut.model_validate(
        {"id": change.task.number, **asdict(change.task), "next_task_id": next_task_id}
    )


def _recurrence_without_due_at(fields: dict[str, Any]) -> RequestValidationError:
    """The store's refusal, as the 422 a body validator would give, naming the field sent."""
    field = "recurrence" if fields.get("recurrence") else "due_at"
    message = "a recurring task needs a due_at"
    issue = {"type": "recurrence_needs_due_at", "loc": ("body", field), "msg": message}
    return RequestValidationError([issue])


@router.get("", summary="List tasks", responses=responses(SearchTimedOut, SearchBusy))
async def list_tasks(
    owner: Owner,
    session: SessionDep,
    status_filter: Annotated[TaskStatus, Query(alias="status")] = "all",
    q: Annotated[SearchQuery | None, Query(description="Search title and description.")] = None,
    priority: Annotated[Priority | None, Query()] = None,
    tag: Annotated[
        list[TaskTag], Query(max_length=10, description="Repeatable: tasks with every tag.")
    ] = [],  # noqa: B006 (FastAPI copies defaults)
    due_before: Annotated[Moment | None, Query()] = None,
    due_after: Annotated[Moment | None, Query()] = None,
    overdue: Annotated[bool, Query(description="Due in the past and not completed.")] = False,
    sort: Annotated[TaskSort, Query()] = "id",
    order: Annotated[SortOrder, Query()] = "asc",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TaskList:
    filters = TaskFilter(status_filter, q, priority, tag, due_before, due_after, overdue)
    records, total = await TaskStore(session, owner).list_tasks(
        filters, sort=sort, order=order, limit=limit, offset=offset
    )
    return TaskList(tasks=[TaskOut.of(r) for r in records], total=total)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a task",
    response_model=TaskOut,
    responses={
        201: {"description": "The created task.", "links": _task_links()},
        **responses(PayloadTooLarge, InvalidRequest, IdempotencyKeyReused, TaskLimitReached),
    },
)
async def create_task(
    body: TaskCreate,
    owner: Owner,
    session: SessionDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Any:
    # Claim, create and record run in one transaction: a concurrent request with the same
    # key waits on the key's row and then replays this answer.
    keys = IdempotencyStore(session, owner)
    if idempotency_key:
        stored = await keys.claim(
            idempotency_key, request_hash("tasks", body.model_dump(mode="json"))
        )
        if stored is not None:
            return replayed(stored)
    task = TaskOut.of(await TaskStore(session, owner).create(**body.fields()))
    if idempotency_key:
        await keys.complete(idempotency_key, 201, task.model_dump(mode="json"))
    return task


@router.get("/{task_id}", summary="Get a task", responses=responses(TaskNotFound))
async def get_task(task_id: TaskNumber, owner: Owner, session: SessionDep) -> TaskOut:
    return _found(await TaskStore(session, owner).get(task_id))


@router.put("/{task_id}", summary="Replace a task", responses=responses(TaskNotFound))
async def replace_task(
    task_id: TaskNumber, body: TaskReplace, owner: Owner, session: SessionDep
) -> ChangedTaskOut:
    return _changed(await TaskStore(session, owner).update(task_id, **body.fields()))


@router.patch("/{task_id}", summary="Change some fields", responses=responses(TaskNotFound))
async def patch_task(
    task_id: TaskNumber, body: TaskPatch, owner: Owner, session: SessionDep
) -> ChangedTaskOut:
    fields = body.fields()
    try:
        change = await TaskStore(session, owner).update(task_id, **fields)
    except RecurrenceNeedsDueDate:
        raise _recurrence_without_due_at(fields) from None
    return _changed(change)


@router.patch("/{task_id}/complete", summary="Toggle completed", responses=responses(TaskNotFound))
async def toggle_task(task_id: TaskNumber, owner: Owner, session: SessionDep) -> ChangedTaskOut:
    return _changed(await TaskStore(session, owner).toggle_completed(task_id))


@router.delete(
    "/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a task",
    responses=responses(TaskNotFound),
)
async def delete_task(task_id: TaskNumber, owner: Owner, session: SessionDep) -> Response:
    if await TaskStore(session, owner).delete(task_id) is None:
        raise TaskNotFound()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@tags_router.get("", summary="List the tags in use")
async def list_tags(owner: Owner, session: SessionDep) -> TagList:
    """Each tag on the user's tasks with how many tasks carry it, most used first."""
    tags = await TaskStore(session, owner).tags()
    return TagList(tags=[TagCount(name=name, count=count) for name, count in tags])
