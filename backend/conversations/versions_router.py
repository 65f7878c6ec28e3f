"""Versions of messages (docs/api.md "Versions"): regenerate an answer, edit a message and
send it again, list a message's versions and choose the branch to show."""

from typing import Annotated, Any

from fastapi import APIRouter, Header

from backend.auth.deps import Owner
from backend.conversations.branching import choose_version
from backend.conversations.router import (
    CHAT_RESPONSES,
    ConversationNumber,
    Conversations,
    admit_turn,
    chat_response,
)
from backend.conversations.schemas import (
    ChatResponse,
    EditRequest,
    MessageList,
    MessageOut,
    VersionList,
    VersionRequest,
)
from backend.deps import ServicesDep
from backend.http.errors import (
    AlreadyUndone,
    ConversationBusy,
    ConversationNotFound,
    Forbidden,
    InvalidRequest,
    NoSuchMessage,
    TooManyApiRequests,
    Unauthorized,
    UndoConflict,
    responses,
)
from backend.limits.rest import REST_RATE_LIMIT

router = APIRouter(
    prefix="/api/{user_id}/conversations/{conversation_id}/messages/{message_id}",
    tags=["chat"],
    responses=responses(Unauthorized, Forbidden, InvalidRequest, TooManyApiRequests),
    dependencies=[REST_RATE_LIMIT],
)
VERSION_RESPONSES = {**CHAT_RESPONSES, **responses(NoSuchMessage, UndoConflict, AlreadyUndone)}


@router.post(
    "/regenerate",
    summary="Answer again, keeping the earlier answer as a version",
    description="`message_id` is an answer on the chosen branch. A new answer to the message"
    " it answered replaces it (and everything after it) on the chosen branch; the replaced"
    " messages stay as versions. Their changes to tasks stay unless `undo_changes` (then they"
    " are undone first, all or none); the response's `kept_changes` or `undone` says which."
    " Limits and answers as `POST /chat`.",
    response_model=ChatResponse,
    responses=VERSION_RESPONSES,
)
async def regenerate(
    conversation_id: ConversationNumber,
    message_id: ConversationNumber,
    owner: Owner,
    services: ServicesDep,
    body: VersionRequest | None = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    body = body or VersionRequest()
    await admit_turn(services, owner)
    run = await services.runs.version(
        owner,
        conversation_id,
        message_id,
        edit=None,
        undo_changes=body.undo_changes,
        timezone=body.timezone,
    )
    return await chat_response(services, run, accept)


@router.post(
    "/edit",
    summary="Send an edited message, keeping the earlier one as a version",
    description="`message_id` is the person's message on the chosen branch. The edited text"
    " is stored as a new version of it and answered; the earlier message and what followed"
    " stay as versions. Changes and limits as `…/regenerate`.",
    response_model=ChatResponse,
    responses=VERSION_RESPONSES,
)
async def edit(
    conversation_id: ConversationNumber,
    message_id: ConversationNumber,
    body: EditRequest,
    owner: Owner,
    services: ServicesDep,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    await admit_turn(services, owner)
    run = await services.runs.version(
        owner,
        conversation_id,
        message_id,
        edit=body.message,
        undo_changes=body.undo_changes,
        timezone=body.timezone,
    )
    return await chat_response(services, run, accept)


@router.get(
    "/versions",
    tags=["conversations"],
    summary="A message's versions, oldest first",
    responses=responses(ConversationNotFound, NoSuchMessage),
)
async def list_versions(
    conversation_id: ConversationNumber,
    message_id: ConversationNumber,
    conversations: Conversations,
) -> VersionList:
    records = await conversations.versions_of(conversation_id, message_id)
    if records is None:
        if await conversations.get(conversation_id) is None:
            raise ConversationNotFound()
        raise NoSuchMessage()
    return VersionList(versions=[MessageOut.of(r) for r in records])


@router.post(
    "/choose",
    tags=["conversations"],
    summary="Show the branch through this version",
    description="The conversation shows, and the model reads, the branch through the message:"
    " its earlier messages, itself, then the newest version at each later step. Answers the"
    " chosen branch's messages (up to 500, oldest first). 409 `conversation_busy` while an"
    " answer is being written. Tool calls waiting for a decision are declined, as by a new"
    " message.",
    responses=responses(ConversationNotFound, NoSuchMessage, ConversationBusy),
)
async def choose(
    conversation_id: ConversationNumber,
    message_id: ConversationNumber,
    owner: Owner,
    services: ServicesDep,
) -> MessageList:
    records = await choose_version(
        services.sessionmaker, services.chat, owner, conversation_id, message_id
    )
    return MessageList(messages=[MessageOut.of(r) for r in records])
