"""The statements of a chat turn, built once (only their parameters change from turn to
turn; building and cache-keying these CTEs per call cost more than executing them): what makes
a run's claim on a conversation live, claiming, storing the person's message, finishing."""

from dataclasses import fields
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Interval,
    Select,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from backend.conversations import versions
from backend.conversations.records import ConversationRecord, MessageRecord
from backend.db.models import conversations as _conv
from backend.db.models import messages as _msg
from backend.db.sequences import next_number

# Used when a caller names none: the default of CHAT_RUN_STALE_SECONDS.
DEFAULT_STALE_AFTER = timedelta(seconds=300)
_STALE_AFTER = bindparam("stale_after", type_=Interval())


def live_claim(table: Any) -> ColumnElement[bool]:
    """A claim that holds: its server has not been found dead yet, or (a claim naming no
    server) it is younger than `stale_after`."""
    return and_(
        table.c.active_run_id.is_not(None),
        or_(
            table.c.active_run_server.is_not(None),
            table.c.active_run_seen_at >= func.now() - _STALE_AFTER,
        ),
    )


LIVE_CLAIM = live_claim(_conv)
RUNNING_RUN = case((LIVE_CLAIM, _conv.c.active_run_id), else_=None)


# Each record's fields name the columns it is read from: a column is spelled once here
# (`run_id` is the claim's run while it is live).
CONV_COLUMNS = tuple(
    RUNNING_RUN.label("run_id") if field.name == "run_id" else _conv.c[field.name]
    for field in fields(ConversationRecord)
)
MSG_COLUMNS = tuple(
    _msg.c[field.name] for field in fields(MessageRecord) if field.name != "versions"
)


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
                  "active_run_seen_at", "active_run_server"]  # fmt: skip
_SERVER = bindparam("server", type_=_conv.c.active_run_server.type)
_CLAIMED_RETURNS = (_conv.c.pk, _conv.c.number, _conv.c.last_message_number, _conv.c.title,
                    _conv.c.created_at, _conv.c.updated_at)  # fmt: skip


def _create_claimed() -> CTE:
    number = next_number(_OWNER, "conversation")
    values = select(
        _OWNER,
        number.c.last_value,
        bindparam("new_title", type_=_conv.c.title.type),
        literal(1),
        _RUN_ID,
        func.now(),
        _SERVER,
    )
    claimed = insert(_conv).from_select(_CLAIM_COLUMNS, values)
    return claimed.returning(*_CLAIMED_RETURNS).cte("claimed")


def runs_in_progress() -> Any:
    """How many of the owner's conversations have a live claim (a subquery of its own, so it
    can sit inside a statement on the same table)."""
    others = _conv.alias("others")
    live = live_claim(others)
    return select(func.count()).where(others.c.user_id == _OWNER, live).scalar_subquery()


def _claim(*, number_message: bool = True) -> CTE:
    free = ~LIVE_CLAIM
    under_limit = runs_in_progress() < bindparam("max_runs")
    return (
        update(_conv)
        .where(
            _conv.c.user_id == _OWNER,
            _conv.c.number == bindparam("conversation_number"),
            free,
            under_limit,
        )
        .values(
            last_message_number=_conv.c.last_message_number + (1 if number_message else 0),
            updated_at=func.now(),
            active_run_id=_RUN_ID,
            active_run_seen_at=func.now(),
            active_run_server=_SERVER,
        )
        .returning(*_CLAIMED_RETURNS)
        .cte("claimed")
    )


def _store_user_message(claimed: CTE) -> Select[Any]:
    """Claim (or create) the conversation and store the user's message: one statement."""
    stored = (
        insert(_msg)
        .from_select(
            ["conversation_pk", "number", "role", "content", "parent_number"],
            select(
                claimed.c.pk,
                claimed.c.last_message_number,
                literal("user", _msg.c.role.type),
                bindparam("user_message", type_=_msg.c.content.type),
                versions.newest_chosen(claimed.c.pk),
            ),
        )
        .returning(_msg.c.conversation_pk, _msg.c.number)
        .cte("stored")
    )
    return select(
        stored.c.conversation_pk,
        claimed.c.number,
        claimed.c.title,
        claimed.c.created_at,
        claimed.c.updated_at,
        stored.c.number,
    ).join_from(stored, claimed, true())


_RELEASED_RETURNS = (_conv.c.pk, _conv.c.last_message_number, _conv.c.number, _conv.c.title,
                     _conv.c.created_at, _conv.c.updated_at)  # fmt: skip


def _finish() -> Select[Any]:
    released = (
        update(_conv)
        .where(_HELD_BY_RUN)
        .values(
            last_message_number=_conv.c.last_message_number + 1,
            updated_at=func.now(),
            active_run_id=None,
            active_run_seen_at=None,
            active_run_server=None,
        )
        .returning(*_RELEASED_RETURNS)
        .cte("released")
    )
    stored = (
        insert(_msg)
        .from_select(
            [
                "conversation_pk",
                "number",
                "role",
                "content",
                "tool_calls",
                "status",
                "error",
                "usage",
                "parent_number",
            ],
            select(
                released.c.pk,
                released.c.last_message_number,
                literal("assistant", _msg.c.role.type),
                bindparam("answer", type_=_msg.c.content.type),
                bindparam("answer_tool_calls", type_=_msg.c.tool_calls.type),
                bindparam("answer_status", type_=_msg.c.status.type),
                bindparam("answer_error", type_=JSONB(none_as_null=True)),
                bindparam("answer_usage", type_=_msg.c.usage.type),
                versions.newest_chosen(released.c.pk),
            ),
        )
        .returning(_msg.c.number)
        .cte("stored")
    )
    return select(
        stored.c.number,
        released.c.number,
        released.c.title,
        released.c.created_at,
        released.c.updated_at,
    ).join_from(stored, released, true())


def _claim_for_retry() -> Any:
    """Claim the conversation for a run answering a message it already holds (retry)."""
    under_limit = runs_in_progress() < bindparam("max_runs")
    mine = and_(_conv.c.user_id == _OWNER, _conv.c.number == bindparam("conversation_number"))
    return (
        update(_conv)
        .where(mine, ~LIVE_CLAIM, under_limit)
        .values(
            last_message_number=_conv.c.last_message_number + 1,
            updated_at=func.now(),
            active_run_id=_RUN_ID,
            active_run_seen_at=func.now(),
            active_run_server=_SERVER,
        )
        .returning(*_CLAIMED_RETURNS)
    )


def _last_user_message() -> Select[Any]:
    later = _msg.alias("later")
    a_later_one = (
        select(later.c.pk)
        .where(
            later.c.conversation_pk == _msg.c.conversation_pk,
            later.c.role == "user",
            later.c.chosen,
            later.c.number > _msg.c.number,
        )
        .exists()
    )
    return select(_msg.c.content).where(
        _msg.c.conversation_pk == bindparam("conversation_pk"),
        _msg.c.number == bindparam("message_number"),
        _msg.c.role == "user",
        _msg.c.chosen,
        ~a_later_one,
    )


RETRY_CLAIM = _claim_for_retry()
LAST_USER_MESSAGE = _last_user_message()
START_NEW = _store_user_message(_create_claimed())
CLAIM_TO_RESUME = select(_claim(number_message=False))
START_EXISTING = _store_user_message(_claim())
HISTORY = (
    select(*MSG_COLUMNS)
    .where(
        _msg.c.conversation_pk == bindparam("conversation_pk"),
        _msg.c.chosen,
        _msg.c.number < bindparam("before"),
    )
    .order_by(_msg.c.number.desc())
    .limit(bindparam("limit"))
)
FINISH = _finish()
NO_FLUSH_ON_COMMIT = text("SET LOCAL synchronous_commit = off")
# One owner's turn starts, one at a time, in every process and replica: the runs-at-once
# limit counts committed claims, so two starts counting at once would both pass it (30
# simultaneous first messages started 20 runs under a limit of 3). A transaction-level lock,
# released at commit, so it is safe behind a transaction pooler; the first key keeps it apart
# from any other advisory lock.
TURN_START_LOCK_SPACE = 0x7475726E  # "turn"
LOCK_OWNERS_TURN_STARTS = text("SELECT pg_advisory_xact_lock(:space, hashtext(:owner))")
RELEASE = (
    update(_conv)
    .where(_HELD_BY_RUN)
    .values(active_run_id=None, active_run_seen_at=None, active_run_server=None)
    .returning(_conv.c.number, _conv.c.title, _conv.c.created_at, _conv.c.updated_at)
)
