"""Chat and conversation bodies (docs/api.md §8, §9)."""

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.conversations.store import ConversationRecord, MessageRecord
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


class ToolCallOut(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any]
    output: Any
    is_error: bool


RunStatus = Literal["completed", "stopped"]


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


class ConversationList(BaseModel):
    conversations: list[ConversationOut]
    total: int


class ConversationRename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: ConversationTitle


class MessageOut(BaseModel):
    id: int
    role: Literal["user", "assistant"]
    content: str
    tool_calls: list[ToolCallOut]
    status: RunStatus | None = Field(
        description="`completed` or `stopped` on assistant messages, null on user messages."
    )
    created_at: datetime
    usage: UsageOut | None = Field(
        None, description="On assistant messages: what its model calls reported; else null."
    )

    @classmethod
    def of(cls, record: MessageRecord) -> "MessageOut":
        return cls.model_validate({"id": record.number, **asdict(record)})


class MessageList(BaseModel):
    messages: list[MessageOut]
