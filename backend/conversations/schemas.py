"""Chat and conversation bodies (docs/api.md §8, §9)."""

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from backend.activity.schemas import EntryOut
from backend.conversations.records import ConversationRecord, MessageRecord
from backend.fields import MessageText, RowNumber, TaskTitle, TimeZoneName

# A title's rules (1-200 characters after trimming). Not `StringConstraints` on top of
# `StorableStr`: after its validator, pydantic checks the length before trimming, so "   "
# would pass as an empty title.
ConversationTitle = TaskTitle


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: MessageText
    conversation_id: RowNumber | None = None
    timezone: TimeZoneName = Field(
        default="UTC",
        description='The user\'s IANA time zone ("Europe/Berlin"): "tomorrow" means theirs.',
    )


class RetryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: TimeZoneName = Field(
        default="UTC",
        description='The user\'s IANA time zone ("Europe/Berlin"): "tomorrow" means theirs.',
    )


class VersionRequest(RetryRequest):
    """A new answer to a message (docs/api.md "Versions")."""

    undo_changes: bool = Field(
        default=False,
        description="Undo the changes the replaced answers made first (all or none, 409"
        " `undo_conflict` otherwise); by default they stay, and `kept_changes` lists them.",
    )


class EditRequest(VersionRequest):
    message: MessageText


class VersionList(BaseModel):
    versions: list["MessageOut"]


class ToolCallOut(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any]
    output: Any
    is_error: bool


RunStatus = Literal["completed", "stopped", "awaiting_approval"]
# A stored answer's status: a failed one is what was written and done before the failure.
StoredStatus = Literal["completed", "stopped", "failed", "awaiting_approval"]


class ApprovalOut(BaseModel):
    """A tool call waiting for the person's decision (docs/api.md "Confirmation")."""

    id: str
    tool: str
    arguments: dict[str, Any]
    summary: str = Field(description="The question for a person, e.g. Delete task 3 “Buy milk”?")


class UsageOut(BaseModel):
    """What the turn's model calls reported, summed (the offline model counts words)."""

    requests: int = Field(0, description="Model calls made.")
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = Field(0, description="Input tokens the provider served from cache.")
    reasoning_tokens: int = Field(0, description="Output tokens spent on reasoning.")
    model: str = Field("", description="The model that answered (CHAT_MODEL).")


class ChatResponse(BaseModel):
    conversation_id: int
    message_id: int
    response: str
    tool_calls: list[ToolCallOut]
    status: RunStatus
    usage: UsageOut
    approvals: list[ApprovalOut] | None = Field(
        None, description="With status `awaiting_approval`: the calls waiting for a decision."
    )
    kept_changes: list[EntryOut] | None = Field(
        None,
        description="Only on a regenerate or an edit: the changes the replaced answers made"
        ' that stay (docs/api.md "Versions").',
    )
    undone: list[EntryOut] | None = Field(
        None,
        description="Only on a regenerate or an edit with `undo_changes`: the entries that"
        " undid the replaced answers' changes.",
    )


class ChatFailure(BaseModel):
    detail: str
    code: str
    conversation_id: int
    user_message_id: int


class ConversationOut(BaseModel):
    id: int
    title: str
    created_at: datetime
    updated_at: datetime
    running: bool = Field(description="A run (an answer) is in progress.")

    @classmethod
    def of(cls, record: ConversationRecord) -> "ConversationOut":
        return cls.model_validate(
            {"id": record.number, **asdict(record), "running": record.running}
        )


class ConversationDetail(ConversationOut):
    pending_approvals: list[ApprovalOut] = Field(
        description="Tool calls waiting for the person's decision (docs/api.md §19)."
    )


class ConversationList(BaseModel):
    conversations: list[ConversationOut]
    total: int


class ConversationRename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: ConversationTitle


class MessageError(BaseModel):
    code: str
    detail: str


class MessageOut(BaseModel):
    id: int
    role: Literal["user", "assistant"]
    content: str
    tool_calls: list[ToolCallOut]
    status: StoredStatus | None = Field(
        description="`completed`, `stopped`, `awaiting_approval` or `failed` on assistant"
        " messages, null on user messages. A `failed` answer was cut off: its text and tool"
        " calls are what was done before the failure."
    )
    error: "MessageError | None" = Field(
        None,
        description="Only on a `failed` answer: why it failed, as the stream's `error` said.",
    )
    created_at: datetime
    usage: UsageOut | None = Field(
        None, description="On assistant messages: what its model calls reported; else null."
    )
    feedback: Literal["positive", "negative"] | None = Field(
        None,
        description="On assistant messages: the person's feedback (ChatKit's thumbs up or"
        " down), null when none was given; always null on user messages.",
    )
    parent_id: int | None = Field(
        None, description="The message this one follows (null for a first message)."
    )
    versions: list[int] = Field(
        default_factory=list,
        description="The ids of this message's versions, oldest first, itself included"
        " (one id: it has no other version). Show '2 of 3' and choose one with"
        " `POST …/messages/{id}/choose`.",
    )

    @model_serializer(mode="wrap")
    def _error_only_when_failed(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Messages keep the shape of docs/api.md §9; `error` is added only where there is one.
        body: dict[str, Any] = handler(self)
        if body.get("error") is None:
            body.pop("error", None)
        return body

    @classmethod
    def of(cls, record: MessageRecord) -> "MessageOut":
        return cls.model_validate(
            {
                "id": record.number,
                **asdict(record),
                "parent_id": record.parent_number,
                "versions": list(record.versions) or [record.number],
            }
        )


class MessageList(BaseModel):
    messages: list[MessageOut]
