"""When a recurring task comes due next: pure date arithmetic in the task's time zone.

Steps are taken on the local calendar and wall clock, so "every day at 9:00" in
Europe/Berlin stays 9:00 there across a DST change (the UTC time moves instead).
"""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from typing import Literal, get_args
from zoneinfo import ZoneInfo

Recurrence = Literal["daily", "weekdays", "weekly", "monthly"]
RECURRENCES: tuple[str, ...] = get_args(Recurrence)
_SATURDAY = 5
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Occurrence:
    due_at: datetime
    remind_at: datetime | None


def _add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day (Jan 31 -> Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _dates_after(start: date, rule: Recurrence, not_before: date) -> Iterator[date]:
    """The rule's dates after `start`, in order, skipping those before `not_before` without
    stepping through them one by one (a daily task completed a year late)."""
    if rule == "monthly":
        months = (not_before.year - start.year) * 12 + not_before.month - start.month
        # Counted from the start, so one move from Jan 31 past March gives Mar 31, not 28.
        return (_add_months(start, k) for k in count(max(1, months)))
    if rule == "weekly":
        weeks = max(1, (not_before - start).days // 7)
        return (start + timedelta(weeks=k) for k in count(weeks))
    if rule == "daily":
        first = max(start + timedelta(days=1), not_before)
        return (first + timedelta(days=k) for k in count())
    return _weekdays_after(max(start, not_before - timedelta(days=1)))


def _weekdays_after(day: date) -> Iterator[date]:
    while True:
        day += timedelta(days=1)
        if day.weekday() < _SATURDAY:
            yield day


def _at_wall_time(day: date, wall: datetime, zone: ZoneInfo) -> datetime:
    """`wall`'s local time of day on `day`, in UTC. A time skipped by a DST jump (2:30 on
    the spring-forward night) lands on the same instant an hour later on the clock."""
    local = datetime.combine(day, wall.timetz().replace(tzinfo=None), tzinfo=zone)
    return local.astimezone(_UTC)


def next_occurrence(
    due_at: datetime,
    remind_at: datetime | None,
    rule: Recurrence,
    zone: ZoneInfo,
    now: datetime,
) -> Occurrence:
    """The first occurrence after `due_at` by `rule` that is later than `now`; `remind_at`
    keeps the same distance to the due time as before."""
    wall = due_at.astimezone(zone)
    # A day's margin: every date before it is wholly in the past, whatever the offsets.
    not_before = now.astimezone(zone).date() - timedelta(days=1)
    for day in _dates_after(wall.date(), rule, not_before):
        next_due = _at_wall_time(day, wall, zone)
        if next_due > now:
            moved_by = next_due - due_at
            # In UTC: arithmetic on a zoned datetime would add wall-clock time instead.
            reminder = None if remind_at is None else remind_at.astimezone(_UTC) + moved_by
            return Occurrence(next_due, reminder)
    raise AssertionError("unreachable: the rule's dates never end")
