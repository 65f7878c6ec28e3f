"""GET /api/{user_id}/usage: the owner's tokens per day or per conversation, and the state
of their daily budget (docs/api.md, "Usage and budgets")."""

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from backend.auth.deps import Owner
from backend.deps import ServicesDep, SessionDep
from backend.fields import TimeZoneName
from backend.http.errors import (
    AppError,
    Forbidden,
    InvalidRequest,
    TooManyApiRequests,
    Unauthorized,
)
from backend.http.errors import responses as error_responses
from backend.limits.rest import REST_RATE_LIMIT
from backend.usage.budget import TokenBudget
from backend.usage.schemas import BudgetOut, UsageGroup, UsageReport, UsageTotals
from backend.usage.store import COUNTS, Group, UsageRow, usage_by

DEFAULT_DAYS = 30
MAX_DAYS = 366
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> object:
    """Only `YYYY-MM-DD`: pydantic alone would read "0" as a Unix time."""
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise ValueError("must be a day as YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


class UsageRangeInvalid(AppError):
    status_code = 422
    code = "invalid_range"
    detail = f"`from` must be on or before `to`, and the range at most {MAX_DAYS} days."


router = APIRouter(
    prefix="/api/{user_id}",
    responses=error_responses(Unauthorized, Forbidden, InvalidRequest, TooManyApiRequests),
    dependencies=[REST_RATE_LIMIT],
)


@router.get(
    "/usage",
    tags=["usage"],
    summary="Tokens used, and the daily budget",
    responses=error_responses(UsageRangeInvalid),
    response_model_by_alias=True,
)
async def usage(
    owner: Owner,
    session: SessionDep,
    services: ServicesDep,
    from_: Annotated[
        IsoDay | None, Query(alias="from", description="First local day (default: 29 days ago).")
    ] = None,
    to: Annotated[IsoDay | None, Query(description="Last local day (default: today).")] = None,
    group: Annotated[Group, Query(description="`day` or `conversation`.")] = "day",
    timezone: Annotated[
        TimeZoneName, Query(description='IANA zone whose days are counted ("Europe/Berlin").')
    ] = "UTC",
) -> UsageReport:
    zone = ZoneInfo(timezone)
    last = to or datetime.now(UTC).astimezone(zone).date()
    first = from_ or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last or (last - first).days >= MAX_DAYS:
        raise UsageRangeInvalid()
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    rows = await usage_by(session, owner, group, start, end, timezone)
    budget = services.chat.budget or TokenBudget(services.broker, 0)
    state = await budget.state(owner)
    return UsageReport.model_validate(
        {
            "from": first,
            "to": last,
            "timezone": timezone,
            "group": group,
            "totals": _totals(rows),
            "groups": [_group(row, group) for row in rows],
            "budget": BudgetOut(
                tokens_per_day=state.tokens_per_day,
                used_today=state.used_today,
                remaining=state.remaining,
                resets_at=state.resets_at,
            ),
        }
    )


def _totals(rows: list[UsageRow]) -> UsageTotals:
    sums = {name: sum(row.counts[name] for row in rows) for name in COUNTS}
    return UsageTotals(messages=sum(row.messages for row in rows), **sums)


def _group(row: UsageRow, group: Group) -> UsageGroup:
    where = {"day": row.key} if group == "day" else {"conversation_id": row.key, "title": row.title}
    return UsageGroup.model_validate({**where, "messages": row.messages, **row.counts})
