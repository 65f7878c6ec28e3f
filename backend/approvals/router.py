"""Deciding tool calls that wait for the person (docs/api.md "Confirmation").

A decision resumes the paused run like a new message starts one (backend/runs): the answer
is a chat response, SSE or JSON, and the run can be attached to and stopped as any other."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel, ConfigDict, Field

from backend.auth.deps import Owner
from backend.conversations.router import (
    CHAT_RESPONSES,
    ConversationNumber,
    admit_turn,
    chat_response,
)
from backend.conversations.schemas import ChatResponse
from backend.deps import ServicesDep
from backend.http.errors import (
    ApprovalAlreadyDecided,
    ApprovalNotFound,
    Forbidden,
    InvalidRequest,
    TooManyApiRequests,
    Unauthorized,
    responses,
)
from backend.limits.rest import REST_RATE_LIMIT

router = APIRouter(
    prefix="/api/{user_id}/conversations/{conversation_id}/approvals",
    tags=["chat"],
    responses=responses(Unauthorized, Forbidden, InvalidRequest, TooManyApiRequests),
    dependencies=[REST_RATE_LIMIT],
)
ApprovalId = Annotated[
    str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$", description="Call id")
]
DECISION_RESPONSES = {**CHAT_RESPONSES, **responses(ApprovalNotFound, ApprovalAlreadyDecided)}


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool = Field(description="true runs the call; false declines it (it never runs).")


@router.post(
    "/{approval_id}",
    summary="Approve or decline one waiting tool call",
    description="Resumes the paused run: the answer is a chat response (SSE or JSON)."
    " 409 `already_decided` for a call decided before (or that waited too long).",
    response_model=ChatResponse,
    responses=DECISION_RESPONSES,
)
async def decide_one(
    conversation_id: ConversationNumber,
    approval_id: ApprovalId,
    body: Decision,
    owner: Owner,
    services: ServicesDep,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    return await _decide(services, owner, conversation_id, approval_id, body.approve, accept)


@router.post(
    "",
    summary="Approve or decline every waiting tool call of the answer",
    description="Resumes the paused run with the same decision on each waiting call.",
    response_model=ChatResponse,
    responses=DECISION_RESPONSES,
)
async def decide_all(
    conversation_id: ConversationNumber,
    body: Decision,
    owner: Owner,
    services: ServicesDep,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    return await _decide(services, owner, conversation_id, None, body.approve, accept)


async def _decide(
    services: ServicesDep,
    owner: str,
    conversation_id: int,
    call_id: str | None,
    approve: bool,
    accept: str | None,
) -> Any:
    # A decision starts a model call like a message does: the same limits and budget, checked
    # before anything is decided.
    await admit_turn(services, owner)

    def decide(waiting: list[str]) -> dict[str, bool]:
        if call_id is None:
            return dict.fromkeys(waiting, approve)
        return {call_id: approve}

    run, _ = await services.runs.resume(owner, conversation_id, decide)
    return await chat_response(services, run, accept)
