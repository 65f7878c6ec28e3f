"""GET /api/{user_id}/task-mentions: the person's tasks as ChatKit entities, for the search
behind ChatKit's tag composer (`entities.onTagSearch`, which runs in the browser and calls
this). A picked entity comes back inside the message as a tag carrying `data.task_id`, and
the agent gets the task's number (backend/chatkit/server.py, `mention`): docs/chatkit.md."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from backend.auth.deps import Owner
from backend.deps import SessionDep
from backend.fields import SearchQuery
from backend.http.errors import (
    Forbidden,
    InvalidRequest,
    SearchBusy,
    SearchTimedOut,
    TooManyApiRequests,
    Unauthorized,
    responses,
)
from backend.limits.rest import REST_RATE_LIMIT
from backend.tasks.store import TaskFilter, TaskRecord, TaskStore

router = APIRouter(
    prefix="/api/{user_id}/task-mentions",
    tags=["chatkit"],
    responses=responses(Unauthorized, Forbidden, InvalidRequest, TooManyApiRequests),
    dependencies=[REST_RATE_LIMIT],
)


class MentionData(BaseModel):
    task_id: str = Field(description="The task's number, as ChatKit entity data (strings).")


class Mention(BaseModel):
    """A ChatKit `Entity`: hand it to ChatKit as it is."""

    id: str = Field(description="`task_<number>`.")
    title: str
    group: Literal["Pending", "Completed"]
    interactive: bool = False
    data: MentionData


class MentionList(BaseModel):
    entities: list[Mention]


@router.get(
    "",
    summary="Search tasks to mention in ChatKit",
    responses=responses(SearchTimedOut, SearchBusy),
)
async def search_mentions(
    owner: Owner,
    session: SessionDep,
    q: Annotated[SearchQuery, Query(description="Words of the title or description.")] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> MentionList:
    """The person's tasks matching `q` (all of them when empty), pending ones first."""
    store = TaskStore(session, owner)
    found: list[TaskRecord] = []
    for status in ("pending", "completed"):
        if len(found) < limit:
            filters = TaskFilter(status=status, query=q.strip() or None)
            page, _ = await store.list_tasks(filters, limit=limit - len(found))
            found += page
    return MentionList(entities=[_mention(task) for task in found])


def _mention(task: TaskRecord) -> Mention:
    return Mention(
        id=f"task_{task.number}",
        title=task.title,
        group="Completed" if task.completed else "Pending",
        data=MentionData(task_id=str(task.number)),
    )
