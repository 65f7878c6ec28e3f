"""The statements behind message versions (docs/api.md "Versions"), run by the conversation
store. Messages form a tree by `parent_number`; `chosen` marks the branch on screen, which is
also the history the model reads: one range of `ix_messages_chosen`.

Every statement takes a conversation pk the store found through the owner's filter first.
"""

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import aggregate_order_by

from backend.db.models import messages as _msg

_PK = _msg.c.conversation_pk


def newest_chosen(conversation_pk: Any) -> Any:
    """The number of the last message on the chosen branch: what a new message follows."""
    return (
        select(func.max(_msg.c.number))
        .where(_PK == conversation_pk, _msg.c.chosen)
        .scalar_subquery()
    )


def chosen_message(conversation_pk: int, number: int) -> Select[Any]:
    """A message on the chosen branch: its role, parent and text."""
    return select(_msg.c.role, _msg.c.parent_number, _msg.c.content).where(
        _PK == conversation_pk, _msg.c.number == number, _msg.c.chosen
    )


def question_before(conversation_pk: int, number: int) -> Select[Any]:
    """The person's message an answer on the chosen branch answers: the last chosen user
    message before it (an answer resumed after a confirmation follows the paused one)."""
    return (
        select(_msg.c.number, _msg.c.content)
        .where(_PK == conversation_pk, _msg.c.chosen, _msg.c.role == "user")
        .where(_msg.c.number < number)
        .order_by(_msg.c.number.desc())
        .limit(1)
    )


def answers_from(conversation_pk: int, number: int) -> Select[Any]:
    """The answers on the chosen branch from `number` on: what a new version replaces."""
    return (
        select(_msg.c.number)
        .where(_PK == conversation_pk, _msg.c.chosen, _msg.c.role == "assistant")
        .where(_msg.c.number >= number)
        .order_by(_msg.c.number)
    )


def leave_branch_from(conversation_pk: int, number: int) -> Any:
    """The chosen branch ends before `number` (its later messages stay, as versions)."""
    return (
        update(_msg)
        .where(_PK == conversation_pk, _msg.c.chosen, _msg.c.number >= number)
        .values(chosen=False)
    )


def siblings(conversation_pk: Any, parents: list[int], *, with_first: bool) -> Select[Any]:
    """The messages following each of `parents` (and the first messages, with_first): the
    versions of the messages that follow them, oldest first."""
    follows: ColumnElement[bool] = _msg.c.parent_number.in_(parents) if parents else false()
    if with_first:
        follows = or_(follows, _msg.c.parent_number.is_(None))
    return (
        select(
            _msg.c.parent_number, func.array_agg(aggregate_order_by(_msg.c.number, _msg.c.number))
        )
        .where(_PK == conversation_pk, follows)
        .group_by(_msg.c.parent_number)
    )


def versions_of(conversation_pk: Any, number: int, columns: Any) -> Select[Any]:
    """The versions of message `number`: the messages with its parent, itself included."""
    this = _msg.alias("this")
    same_parent = and_(
        this.c.conversation_pk == conversation_pk,
        this.c.number == number,
        _msg.c.parent_number.is_not_distinct_from(this.c.parent_number),
    )
    return (
        select(*columns)
        .join_from(_msg, this, same_parent)
        .where(_PK == conversation_pk)
        .order_by(_msg.c.number)
    )


# The branch through a message: its ancestors, itself, then down through the newest
# following message each time; every message of the conversation is chosen or not by it.
CHOOSE_BRANCH = text(
    """
    WITH RECURSIVE up(number, parent_number) AS (
        SELECT number, parent_number FROM messages
        WHERE conversation_pk = :conversation_pk AND number = :number
      UNION ALL
        SELECT m.number, m.parent_number FROM messages m JOIN up
        ON m.conversation_pk = :conversation_pk AND m.number = up.parent_number
    ), down(number) AS (
        SELECT CAST(:number AS integer)
      UNION ALL
        SELECT (SELECT max(c.number) FROM messages c
                WHERE c.conversation_pk = :conversation_pk AND c.parent_number = down.number)
        FROM down WHERE down.number IS NOT NULL
    ), branch AS (
        SELECT number FROM up UNION SELECT number FROM down WHERE number IS NOT NULL
    )
    UPDATE messages SET chosen = (number IN (SELECT number FROM branch))
    WHERE conversation_pk = :conversation_pk
      AND chosen IS DISTINCT FROM (number IN (SELECT number FROM branch))
    """
)
