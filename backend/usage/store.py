"""Token usage read back from stored assistant messages, always filtered by owner."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import BigInteger, Date, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import conversations as _conv
from backend.db.models import messages as _msg

Group = Literal["day", "conversation"]
COUNTS = ("requests", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens")


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One group's totals: `key` is a local date or a conversation number."""

    key: date | int
    title: str | None
    messages: int
    counts: dict[str, int]


def _sum(name: str) -> Any:
    return func.coalesce(func.sum(cast(_msg.c.usage[name].astext, BigInteger)), 0)


async def usage_by(
    session: AsyncSession, owner: str, group: Group, start: datetime, end: datetime, zone: str
) -> list[UsageRow]:
    """Totals of the owner's answers stored in [start, end), per local day of `zone` or per
    conversation, in order."""
    if group == "day":
        local_day = cast(func.timezone(literal(zone), _msg.c.created_at), Date)
        keys: list[Any] = [local_day.label("key"), literal(None).label("title")]
        grouping: list[Any] = [local_day]
    else:
        keys = [_conv.c.number.label("key"), _conv.c.title]
        grouping = [_conv.c.number, _conv.c.title]
    statement = (
        select(*keys, func.count(), *(_sum(name) for name in COUNTS))
        .join_from(_msg, _conv, _conv.c.pk == _msg.c.conversation_pk)
        .where(
            _conv.c.user_id == owner,
            _msg.c.usage.is_not(None),
            _msg.c.created_at >= start,
            _msg.c.created_at < end,
        )
        .group_by(*grouping)
        .order_by(grouping[0])
    )
    rows = (await session.execute(statement)).all()
    return [
        UsageRow(row[0], row[1], row[2], dict(zip(COUNTS, map(int, row[3:]), strict=True)))
        for row in rows
    ]
