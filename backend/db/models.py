"""Table definitions. Internal primary keys never leave the server; clients see per-user numbers."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

__all__ = [
    "ActivityEntry",
    "Approval",
    "Conversation",
    "IdempotencyKey",
    "Message",
    "PausedRun",
    "SQLModel",
    "Server",
    "Task",
    "UserSequence",
]

# Deterministic constraint names keep Alembic autogenerate and `alembic check` stable.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _timestamp(*, nullable: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(
            DateTime(timezone=True),
            nullable=nullable,
            server_default=None if nullable else func.now(),
        ),
    )


class UserSequence(SQLModel, table=True):
    """Last number handed out per (user, kind): task and conversation numbers are never reused."""

    __tablename__ = "user_sequences"

    user_id: str = Field(sa_column=Column(String(128), primary_key=True))
    kind: str = Field(sa_column=Column(String(16), primary_key=True))
    last_value: int = Field(sa_column=Column(Integer, nullable=False))


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("user_id", "number"),
        Index("ix_tasks_user_id_completed_number", "user_id", "completed", "number"),
        # The search (`q`, ILIKE '%…%'): only the owner's rows holding the query's trigrams
        # are read (pg_trgm; btree_gin for user_id).
        Index(
            "ix_tasks_search",
            "user_id",
            "title",
            "description",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops", "description": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
        # Why these indexes and no others: docs/tasks.md (measured on 10,000 tasks).
        Index("ix_tasks_user_id_due_at", "user_id", "due_at"),
        Index(
            "ix_tasks_remind_at_unsent",
            "remind_at",
            postgresql_where=text("NOT completed AND reminded_at IS DISTINCT FROM remind_at"),
        ),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority_rank"),
        CheckConstraint(
            "recurrence IN ('daily', 'weekdays', 'weekly', 'monthly')", name="recurrence_rule"
        ),
        CheckConstraint("recurrence IS NULL OR due_at IS NOT NULL", name="recurrence_needs_due_at"),
    )

    pk: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    user_id: str = Field(sa_column=Column(String(128), nullable=False))
    number: int = Field(sa_column=Column(Integer, nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(String(1000)))
    completed: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    completed_at: datetime | None = _timestamp(nullable=True)
    # 1 low, 2 medium, 3 high: the rank sorts and compares as a number.
    priority: int | None = Field(default=None, sa_column=Column(SmallInteger))
    tags: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(30)), nullable=False, server_default=text("'{}'")),
    )
    due_at: datetime | None = _timestamp(nullable=True)
    recurrence: str | None = Field(default=None, sa_column=Column(String(8)))
    # The IANA zone whose calendar a recurrence follows (9:00 stays 9:00 across DST).
    time_zone: str = Field(
        default="UTC", sa_column=Column(String(64), nullable=False, server_default="UTC")
    )
    remind_at: datetime | None = _timestamp(nullable=True)
    # The remind_at whose reminder went out: a new remind_at is sent again, the same one never.
    reminded_at: datetime | None = _timestamp(nullable=True)


class Server(SQLModel, table=True):
    """One running server process and its liveness beat (docs/runs.md)."""

    __tablename__ = "servers"

    id: uuid.UUID = Field(sa_column=Column(Uuid, primary_key=True))
    beat_at: datetime = _timestamp()


class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("user_id", "number"),
        Index("ix_conversations_user_id_updated_at", "user_id", "updated_at"),
        Index(
            "ix_conversations_active_run_server",
            "active_run_server",
            postgresql_where=text("active_run_server IS NOT NULL"),
        ),
        # The search (`q`, ILIKE '%…%' on titles): the owner's rows holding the query's
        # trigrams (pg_trgm; btree_gin for user_id), as for tasks.
        Index(
            "ix_conversations_search",
            "user_id",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
    )

    pk: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    user_id: str = Field(sa_column=Column(String(128), nullable=False))
    number: int = Field(sa_column=Column(Integer, nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    title_is_custom: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    last_message_number: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )
    # The run in progress, if any: a database-level lock shared by every server process.
    active_run_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid))
    # Refreshed by the run's owning process while it lives: a claim not seen for
    # CHAT_RUN_STALE_SECONDS belongs to a process that is gone, and may be taken over.
    active_run_seen_at: datetime | None = _timestamp(nullable=True)
    # The server running the claimed run: while it beats, the claim holds; once it stops,
    # another server takes the run over (backend/runs/servers.py). None on claims made
    # before servers beat, which go stale after CHAT_RUN_STALE_SECONDS as before.
    active_run_server: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_pk", "number"),
        # The conversation search on message text (docs/limits.md, "Search"); no pending
        # list, so the planner trusts the index and new messages are never scanned linearly.
        Index(
            "ix_messages_search",
            "content",
            postgresql_using="gin",
            postgresql_ops={"content": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
        # The chosen branch (what the page shows and the model reads) is one index range.
        Index("ix_messages_chosen", "conversation_pk", "number", postgresql_where=text("chosen")),
        Index("ix_messages_parent", "conversation_pk", "parent_number"),
        CheckConstraint("feedback IN ('positive', 'negative')", name="feedback"),
    )

    pk: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    conversation_pk: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("conversations.pk", ondelete="CASCADE"), nullable=False
        )
    )
    number: int = Field(sa_column=Column(Integer, nullable=False))
    # Versions (docs/api.md "Versions"): the message this one follows (null for a first
    # message; a regenerated answer or an edited message shares its original's parent), and
    # whether it is on the branch the conversation shows.
    parent_number: int | None = Field(default=None, sa_column=Column(Integer))
    chosen: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=text("true"))
    )
    role: str = Field(sa_column=Column(String(16), nullable=False))
    content: str = Field(sa_column=Column(Text, nullable=False))
    tool_calls: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    )
    # "completed", "stopped", "failed" or "awaiting_approval" on assistant messages; None on
    # user messages.
    status: str | None = Field(default=None, sa_column=Column(String(24)))
    # Why a "failed" answer failed: {"code", "detail"} as the stream's `error` said.
    error: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime = _timestamp()
    # On assistant messages: what the turn's model calls reported (agent.events.Usage as a
    # dict); None on user messages and on answers stored before usage was kept.
    usage: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    # On assistant messages: the person's "positive" or "negative" feedback (ChatKit's
    # thumbs), or None.
    feedback: str | None = Field(default=None, sa_column=Column(String(8)))


# Typed handles on the tables for Core statements (SQLModel does not type `__table__`).
user_sequences: Table = UserSequence.__table__  # type: ignore[attr-defined]
tasks: Table = Task.__table__  # type: ignore[attr-defined]
conversations: Table = Conversation.__table__  # type: ignore[attr-defined]
messages: Table = Message.__table__  # type: ignore[attr-defined]
servers: Table = Server.__table__  # type: ignore[attr-defined]


class IdempotencyKey(SQLModel, table=True):
    """A client's Idempotency-Key (per user), the hash of its request and the stored answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )

    pk: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    user_id: str = Field(sa_column=Column(String(128), nullable=False))
    key: str = Field(sa_column=Column(String(255), nullable=False))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    response_status: int | None = Field(default=None, sa_column=Column(Integer))
    response_body: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime = _timestamp()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


idempotency_keys: Table = IdempotencyKey.__table__  # type: ignore[attr-defined]


class ActivityEntry(SQLModel, table=True):
    """One change to a task, written in the transaction that made it (backend/activity/)."""

    __tablename__ = "activity"
    __table_args__ = (
        UniqueConstraint("user_id", "number"),
        Index("ix_activity_user_id_task_number_number", "user_id", "task_number", "number"),
        Index(
            "ix_activity_user_id_conversation_number_number",
            "user_id",
            "conversation_number",
            "number",
        ),
        Index("ix_activity_batch", "batch"),
        Index("ix_activity_at", "at"),
    )

    pk: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    user_id: str = Field(sa_column=Column(String(128), nullable=False))
    # The entry's id as its owner sees it: numbered per user, like tasks.
    number: int = Field(sa_column=Column(Integer, nullable=False))
    at: datetime = _timestamp()
    source: str = Field(sa_column=Column(String(8), nullable=False))
    conversation_number: int | None = Field(default=None, sa_column=Column(Integer))
    # Filled when the assistant message whose run made the change is stored.
    message_number: int | None = Field(default=None, sa_column=Column(Integer))
    # The changes made together: a chat run's id, else one per transaction.
    batch: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False))
    action: str = Field(sa_column=Column(String(10), nullable=False))
    task_number: int = Field(sa_column=Column(Integer, nullable=False))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    undo_of: int | None = Field(default=None, sa_column=Column(Integer))
    undone_by: int | None = Field(default=None, sa_column=Column(Integer))


activity: Table = ActivityEntry.__table__  # type: ignore[attr-defined]


class PausedRun(SQLModel, table=True):
    """A chat run waiting for the person to decide its tool calls (docs/runs.md): the Agents
    SDK's serialized `RunState`, so any process resumes it, after a restart too."""

    __tablename__ = "paused_runs"

    conversation_pk: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("conversations.pk", ondelete="CASCADE"), primary_key=True
        )
    )
    # The assistant message stored with status "awaiting_approval", and the user message
    # whose turn paused.
    message_number: int = Field(sa_column=Column(Integer, nullable=False))
    user_message_number: int = Field(sa_column=Column(Integer, nullable=False))
    state: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    # The person's zone when the run paused: the resumed tool calls read dates in it.
    timezone: str = Field(
        default="UTC", sa_column=Column(String(64), nullable=False, server_default="UTC")
    )
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Approval(SQLModel, table=True):
    """One tool call that waited for the person, and what they decided (kept with the
    conversation, so a second decision is told it was already made)."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("conversation_pk", "call_id"),)

    pk: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    conversation_pk: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("conversations.pk", ondelete="CASCADE"), nullable=False
        )
    )
    call_id: str = Field(sa_column=Column(String(128), nullable=False))
    tool: str = Field(sa_column=Column(String(64), nullable=False))
    arguments: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    # None while waiting; "approved" or "declined" (an expired one counts as declined).
    decision: str | None = Field(default=None, sa_column=Column(String(16)))
    created_at: datetime = _timestamp()
    decided_at: datetime | None = _timestamp(nullable=True)


paused_runs: Table = PausedRun.__table__  # type: ignore[attr-defined]
approvals: Table = Approval.__table__  # type: ignore[attr-defined]
