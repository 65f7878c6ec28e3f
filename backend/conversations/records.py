"""What the conversation store reads and hands out: a conversation, a message, a turn's
start, a branching (a new version about to be answered)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    number: int
    title: str
    created_at: datetime
    updated_at: datetime
    run_id: uuid.UUID | None  # the run in progress, if any

    @property
    def running(self) -> bool:
        return self.run_id is not None


@dataclass(frozen=True, slots=True)
class MessageRecord:
    number: int
    role: str
    content: str
    tool_calls: list[dict[str, Any]]
    status: str | None
    created_at: datetime
    error: dict[str, Any] | None = None
    usage: dict[str, Any] | None = None
    feedback: str | None = None
    parent_number: int | None = None
    # Its versions' numbers, oldest first, itself included (listings fill it in).
    versions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class TurnStart:
    conversation_pk: int
    conversation: ConversationRecord  # as it is now, claimed by the run
    user_message_number: int
    history: list[MessageRecord]

    @property
    def conversation_number(self) -> int:
        return self.conversation.number


@dataclass(frozen=True, slots=True)
class Branching:
    """A claimed conversation about to get a new version (`ConversationStore.claim_branch`)."""

    pk: int
    conversation: ConversationRecord
    point: int  # the chosen messages from this number on are replaced
    parent: int | None  # what the new version follows
    user_message_number: int  # the message the run answers (an edit's new one)
    question: str  # its text
    replaced_answers: list[int]  # the answers leaving the chosen branch
    edited: bool
