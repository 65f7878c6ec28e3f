"""The conversation store: conversations and their messages, always filtered by owner.

A chat turn touches it three times, each a short transaction of its own: `start_turn`
(claim the conversation, store the user's message, load history), then after the model,
`finish_turn` (store the answer, release the claim) or `release_turn`.
"""

import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Interval,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import ConversationBusy, ConversationNotFound
from backend.models import conversations as _conv
from backend.models import messages as _msg
from backend.sequences import next_number

TITLE_LENGTH = 80


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    number: int
    title: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MessageRecord:
    number: int
    role: str
    content: str
    tool_calls: list[dict[str, Any]]
    created_at: datetime


# Each record's fields name the columns it is read from: a column is spelled once here.
_CONV_COLUMNS = tuple(_conv.c[field.name] for field in fields(ConversationRecord))
_MSG_COLUMNS = tuple(_msg.c[field.name] for field in fields(MessageRecord))


@dataclass(frozen=True, slots=True)
class TurnStart:
    conversation_pk: int
    conversation_number: int
    user_message_number: int
    history: list[MessageRecord]


# A turn's statements are built once, here: only their parameters change from turn to turn
# (building and cache-keying these CTEs per call cost more than executing them).
_OWNER = bindparam("owner", type_=_conv.c.user_id.type)
_RUN_ID = bindparam("run_id", type_=_conv.c.active_run_id.type)
# The conversation this turn's run still holds (a stale claim may have been taken over).
_HELD_BY_RUN = and_(
    _conv.c.pk == bindparam("conversation_pk"),
    _conv.c.user_id == _OWNER,
    _conv.c.active_run_id == _RUN_ID,
)
_CLAIM_COLUMNS = ["user_id", "number", "title", "last_message_number", "active_run_id",
                  "active_run_started_at"]  # fmt: skip


def _create_claimed() -> CTE:
    number = next_number(_OWNER, "conversation")
    values = select(
        _OWNER,
        number.c.last_value,
        bindparam("new_title", type_=_conv.c.title.type),
        literal(1),
        _RUN_ID,
        func.now(),
    )
    claimed = insert(_conv).from_select(_CLAIM_COLUMNS, values)
    return claimed.returning(_conv.c.pk, _conv.c.number, _conv.c.last_message_number).cte("claimed")


def _claim() -> CTE:
    free = or_(
        _conv.c.active_run_id.is_(None),
        _conv.c.active_run_started_at < func.now() - bindparam("stale_after", type_=Interval()),
    )
    return (
        update(_conv)
        .where(_conv.c.user_id == _OWNER, _conv.c.number == bindparam("conversation_number"), free)
        .values(
            last_message_number=_conv.c.last_message_number + 1,
            updated_at=func.now(),
            active_run_id=_RUN_ID,
            active_run_started_at=func.now(),
        )
        .returning(_conv.c.pk, _conv.c.number, _conv.c.last_message_number)
        .cte("claimed")
    )


def _store_user_message(claimed: CTE) -> Select[Any]:
    """Claim (or create) the conversation and store the user's message: one statement."""
    stored = (
        insert(_msg)
        .from_select(
            ["conversation_pk", "number", "role", "content"],
            select(
                claimed.c.pk,
                claimed.c.last_message_number,
                literal("user", _msg.c.role.type),
                bindparam("user_message", type_=_msg.c.content.type),
            ),
        )
        .returning(_msg.c.conversation_pk, _msg.c.number)
        .cte("stored")
    )
    return select(stored.c.conversation_pk, claimed.c.number, stored.c.number).join_from(
        stored, claimed, true()
    )


def _finish() -> Any:
    released = (
        update(_conv)
        .where(_HELD_BY_RUN)
        .values(
            last_message_number=_conv.c.last_message_number + 1,
            updated_at=func.now(),
            active_run_id=None,
            active_run_started_at=None,
        )
        .returning(_conv.c.pk, _conv.c.last_message_number)
        .cte("released")
    )
    return (
        insert(_msg)
        .from_select(
            ["conversation_pk", "number", "role", "content", "tool_calls"],
            select(
                released.c.pk,
                released.c.last_message_number,
                literal("assistant", _msg.c.role.type),
                bindparam("answer", type_=_msg.c.content.type),
                bindparam("answer_tool_calls", type_=_msg.c.tool_calls.type),
            ),
        )
        .returning(_msg.c.number)
    )


_START_NEW = _store_user_message(_create_claimed())
_START_EXISTING = _store_user_message(_claim())
_HISTORY = (
    select(*_MSG_COLUMNS)
    .where(
        _msg.c.conversation_pk == bindparam("conversation_pk"), _msg.c.number < bindparam("before")
    )
    .order_by(_msg.c.number.desc())
    .limit(bindparam("limit"))
)
_FINISH = _finish()
_NO_FLUSH_ON_COMMIT = text("SET LOCAL synchronous_commit = off")
_RELEASE = update(_conv).where(_HELD_BY_RUN).values(active_run_id=None, active_run_started_at=None)


def title_from(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


class ConversationStore:
    def __init__(self, session: AsyncSession, owner: str) -> None:
        self._session = session
        self._owner = owner

    def _mine(self, number: int | None = None) -> ColumnElement[bool]:
        clause = _conv.c.user_id == self._owner
        return clause if number is None else and_(clause, _conv.c.number == number)

    async def start_turn(
        self,
        number: int | None,
        message: str,
        run_id: uuid.UUID,
        *,
        history_limit: int,
        stale_after: timedelta,
    ) -> TurnStart:
        """Claim the conversation (new if `number` is None) and store the user's message."""
        # The user's message needs no disk flush before the model is called: the turn's
        # next commit (answer, failure or release, all synchronous) flushes it with its own
        # WAL, and a database crash before that fails the turn anyway. Saves an fsync
        # (about 1 ms here) on the way to the first token.
        await self._session.execute(_NO_FLUSH_ON_COMMIT)
        params: dict[str, Any] = {"owner": self._owner, "run_id": run_id, "user_message": message}
        if number is None:
            statement = _START_NEW
            params["new_title"] = title_from(message)
        else:
            statement = _START_EXISTING
            params.update(conversation_number=number, stale_after=stale_after)
        row = (await self._session.execute(statement, params)).first()
        if row is None:
            await self._raise_missing_or_busy(number)
        pk, conversation_number, message_number = row
        # A conversation created by this very statement has nothing before its first message.
        history = (
            []
            if number is None
            else await self._history(pk, before=message_number, limit=history_limit)
        )
        return TurnStart(pk, conversation_number, message_number, history)

    async def _raise_missing_or_busy(self, number: int | None) -> None:
        if number is not None and await self.get(number) is not None:
            raise ConversationBusy()
        raise ConversationNotFound()

    async def _history(self, pk: int, *, before: int, limit: int) -> list[MessageRecord]:
        params = {"conversation_pk": pk, "before": before, "limit": limit}
        rows = (await self._session.execute(_HISTORY, params)).all()
        return [MessageRecord(*row) for row in reversed(rows)]

    async def finish_turn(
        self, pk: int, run_id: uuid.UUID, content: str, tool_calls: list[dict[str, Any]]
    ) -> int | None:
        """Store the assistant's answer and release the claim; None if the claim was lost."""
        params = {"conversation_pk": pk, "owner": self._owner, "run_id": run_id, "answer": content,
                  "answer_tool_calls": tool_calls}  # fmt: skip
        number: int | None = await self._session.scalar(_FINISH, params)
        return number

    async def release_turn(self, pk: int, run_id: uuid.UUID) -> None:
        await self._session.execute(
            _RELEASE, {"conversation_pk": pk, "owner": self._owner, "run_id": run_id}
        )

    async def list_conversations(
        self, limit: int, offset: int
    ) -> tuple[list[ConversationRecord], int]:
        statement = (
            select(*_CONV_COLUMNS, func.count().over())
            .where(self._mine())
            .order_by(_conv.c.updated_at.desc(), _conv.c.number.desc())
            .limit(limit)
            .offset(offset)
        )
        rows = (await self._session.execute(statement)).all()
        if rows:
            return [ConversationRecord(*row[:-1]) for row in rows], rows[0][-1]
        total = await self._session.scalar(select(func.count()).where(self._mine()))
        return [], total or 0

    async def rename(self, number: int, title: str) -> ConversationRecord | None:
        statement = (
            update(_conv)
            .where(self._mine(number))
            .values(title=title, title_is_custom=True, updated_at=func.now())
            .returning(*_CONV_COLUMNS)
        )
        row = (await self._session.execute(statement)).first()
        return ConversationRecord(*row) if row else None

    async def delete(self, number: int) -> bool:
        statement = delete(_conv).where(self._mine(number)).returning(_conv.c.pk)
        return (await self._session.scalar(statement)) is not None

    async def messages(
        self, number: int, *, limit: int, after: int = 0
    ) -> list[MessageRecord] | None:
        """Oldest first; None when the conversation is not this owner's."""
        statement = (
            select(*_MSG_COLUMNS)
            .join(_conv, _conv.c.pk == _msg.c.conversation_pk)
            .where(self._mine(number), _msg.c.number > after)
            .order_by(_msg.c.number)
            .limit(limit)
        )
        rows = (await self._session.execute(statement)).all()
        if not rows and await self.get(number) is None:
            return None
        return [MessageRecord(*row) for row in rows]

    async def get(self, number: int) -> ConversationRecord | None:
        row = (
            await self._session.execute(select(*_CONV_COLUMNS).where(self._mine(number)))
        ).first()
        return ConversationRecord(*row) if row else None
