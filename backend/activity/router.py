"""Activity routes: what changed, and undo (docs/api.md "Activity and undo")."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from backend.activity.record import REST
from backend.activity.schemas import ActivityPage, EntryOut, Undone
from backend.activity.store import ActivityStore
from backend.activity.undo import undo
from backend.auth.deps import Owner
from backend.deps import SessionDep
from backend.fields import MAX_ROW_NUMBER, PathNumber
from backend.http.errors import (
    ActivityNotFound,
    AlreadyUndone,
    Forbidden,
    InvalidRequest,
    MessageNotFound,
    TooManyApiRequests,
    Unauthorized,
    UndoConflict,
    responses,
)
from backend.limits.rest import REST_RATE_LIMIT

router = APIRouter(
    prefix="/api/{user_id}",
    tags=["activity"],
    responses=responses(Unauthorized, Forbidden, InvalidRequest, TooManyApiRequests),
    dependencies=[REST_RATE_LIMIT],
)
Number = Annotated[PathNumber, Path(ge=1, le=MAX_ROW_NUMBER)]
QueryNumber = Annotated[int | None, Query(ge=1, le=MAX_ROW_NUMBER)]


@router.get("/activity", summary="What changed, newest first")
async def list_activity(
    owner: Owner,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ROW_NUMBER, description="Entries older than this id.")
    ] = None,
    task_id: QueryNumber = None,
    conversation_id: QueryNumber = None,
) -> ActivityPage:
    entries, next_before = await ActivityStore(session, owner).page(
        limit, before, task_id, conversation_id
    )
    return ActivityPage(activity=[EntryOut.of(e) for e in entries], next_before=next_before)


@router.post(
    "/activity/{entry_id}/undo",
    summary="Undo one change",
    responses=responses(ActivityNotFound, UndoConflict, AlreadyUndone),
)
async def undo_entry(entry_id: Number, owner: Owner, session: SessionDep) -> Undone:
    entry = await ActivityStore(session, owner).lock(entry_id)
    if entry is None:
        raise ActivityNotFound()
    done = await undo(session, owner, [entry], REST)
    return Undone(undone=[EntryOut.of(e) for e in done])


@router.post(
    "/conversations/{conversation_id}/messages/{message_id}/undo",
    summary="Undo every change an assistant message made",
    responses=responses(MessageNotFound, UndoConflict, AlreadyUndone),
)
async def undo_message(
    conversation_id: Number, message_id: Number, owner: Owner, session: SessionDep
) -> Undone:
    entries = await ActivityStore(session, owner).lock_message(conversation_id, message_id)
    if not entries:
        raise MessageNotFound()
    done = await undo(session, owner, entries, REST)
    return Undone(undone=[EntryOut.of(e) for e in done])
