"""Task REST routes (docs/api.md §6)."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from backend.auth.deps import Owner
from backend.deps import SessionDep
from backend.errors import (
    Forbidden,
    IdempotencyKeyReused,
    InvalidRequest,
    PayloadTooLarge,
    SearchTimedOut,
    TaskLimitReached,
    TaskNotFound,
    TooManyApiRequests,
    Unauthorized,
    responses,
)
from backend.fields import MAX_ROW_NUMBER, PathNumber, SearchQuery
from backend.idempotency.http import IdempotencyKeyHeader, replayed
from backend.idempotency.store import IdempotencyStore, request_hash
from backend.rest_limits import REST_RATE_LIMIT
from backend.tasks.schemas import TaskCreate, TaskList, TaskOut, TaskPatch, TaskReplace
from backend.tasks.store import TaskRecord, TaskStatus, TaskStore

router = APIRouter(
    prefix="/api/{user_id}/tasks",
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


@router.get("", summary="List tasks", responses=responses(SearchTimedOut))
async def list_tasks(
    owner: Owner,
    session: SessionDep,
    status_filter: Annotated[TaskStatus, Query(alias="status")] = "all",
    q: Annotated[SearchQuery | None, Query(description="Search title and description.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TaskList:
    records, total = await TaskStore(session, owner).list_tasks(status_filter, q, limit, offset)
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
        stored = await keys.claim(idempotency_key, request_hash("tasks", body.model_dump()))
        if stored is not None:
            return replayed(stored)
    task = TaskOut.of(await TaskStore(session, owner).create(body.title, body.description))
    if idempotency_key:
        await keys.complete(idempotency_key, 201, task.model_dump(mode="json"))
    return task


@router.get("/{task_id}", summary="Get a task", responses=responses(TaskNotFound))
async def get_task(task_id: TaskNumber, owner: Owner, session: SessionDep) -> TaskOut:
    return _found(await TaskStore(session, owner).get(task_id))


@router.put("/{task_id}", summary="Replace a task", responses=responses(TaskNotFound))
async def replace_task(
    task_id: TaskNumber, body: TaskReplace, owner: Owner, session: SessionDep
) -> TaskOut:
    changes = body.model_dump(exclude_none=True, include={"completed"})
    record = await TaskStore(session, owner).update(
        task_id, title=body.title, description=body.description, **changes
    )
    return _found(record)


@router.patch("/{task_id}", summary="Change some fields", responses=responses(TaskNotFound))
async def patch_task(
    task_id: TaskNumber, body: TaskPatch, owner: Owner, session: SessionDep
) -> TaskOut:
    record = await TaskStore(session, owner).update(task_id, **body.model_dump(exclude_unset=True))
    return _found(record)


@router.patch("/{task_id}/complete", summary="Toggle completed", responses=responses(TaskNotFound))
async def toggle_task(task_id: TaskNumber, owner: Owner, session: SessionDep) -> TaskOut:
    return _found(await TaskStore(session, owner).toggle_completed(task_id))


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
