"""The clock the tests set: the reference days every date-dependent test runs on, and the
travel there.

The server and the page read the real clock; only tests move it. `time-machine` moves
Python's clock in this process (`datetime.now`, `date.today`, `time.time`; not
`time.monotonic`, so timeouts and polling keep real time), which is the clock of the app
under httpx's ASGITransport, of the offline model and of the task store's queries (they are
given the app's "now", never PostgreSQL's). A test asks for the `clock` fixture first in its
signature, so the app, its tokens and its rows are made on the reference day:

    @on_reference_days(ZONE)
    async def test_whats_due_this_week(clock: datetime, berlin: Chat) -> None: ...

The days: a Sunday, a Saturday, a Monday, the last day of a month, 31 December, 29 February
2028, and, per zone, the eve of each DST change (computed from the zone's rules, so a test in
Tokyo has none). A day's moment is 10:00 on the zone's clock; 29 February's is 00:30, when
UTC's date is another day east of UTC; an eve's is 21:00 (another UTC day west of UTC): the
change comes a few hours later, so "tomorrow" and "in 6 hours" cross it.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
import time_machine

DST_YEAR = 2026
_MORNING, _EVENING, _JUST_AFTER_MIDNIGHT = time(10), time(21), time(0, 30)


@dataclass(frozen=True)
class ReferenceDay:
    name: str
    """The test id: what is special about the day."""
    day: date
    at: time = _MORNING
    """The time of day on the zone's clock that the test runs at."""

    def moment(self, zone: ZoneInfo) -> datetime:
        return datetime.combine(self.day, self.at, tzinfo=zone)


CALENDAR_DAYS: tuple[ReferenceDay, ...] = (
    ReferenceDay("sunday", date(2026, 12, 6)),
    ReferenceDay("saturday", date(2026, 12, 5)),
    ReferenceDay("monday", date(2026, 12, 7)),
    ReferenceDay("month-end", date(2027, 6, 30)),  # a Wednesday: this week ends in July
    ReferenceDay("new-years-eve", date(2026, 12, 31)),  # a Thursday
    # A Tuesday, just after midnight: east of UTC (Berlin, Tokyo) UTC's date is still the
    # 28th, so a test or a model that takes UTC's date for the user's shows here.
    ReferenceDay("leap-day", date(2028, 2, 29), _JUST_AFTER_MIDNIGHT),
)


@cache
def dst_eves(zone: ZoneInfo, year: int = DST_YEAR) -> tuple[ReferenceDay, ...]:
    """The days before the zone's clock changes in `year` (none where it never does)."""
    eves = []
    day = date(year, 1, 1)
    while day.year == year:
        following = day + timedelta(days=1)
        if _offset(day, zone) != _offset(following, zone):
            eves.append(ReferenceDay(f"dst-eve-{day:%m-%d}", day, _EVENING))
        day = following
    return tuple(eves)


def _offset(day: date, zone: ZoneInfo) -> timedelta | None:
    return datetime.combine(day, time(12), tzinfo=zone).utcoffset()


def reference_days(zone: ZoneInfo) -> tuple[ReferenceDay, ...]:
    return CALENDAR_DAYS + dst_eves(zone)


def end_to_end_days(zone: ZoneInfo) -> tuple[ReferenceDay, ...]:
    """The days for a test through the whole app, where each day costs a turn: the calendar
    arithmetic has every day at unit level; 31 December stands for the month end here."""
    return tuple(day for day in reference_days(zone) if day.name != "month-end")


@contextmanager
def travel(moment: datetime) -> Iterator[datetime]:
    """Python's clock at `moment`, ticking on from there, for the block."""
    with time_machine.travel(moment, tick=True):
        yield moment


def on_reference_days(
    zone: ZoneInfo, days: Sequence[ReferenceDay] | None = None
) -> pytest.MarkDecorator:
    """Run the test once per reference day (all of the zone's unless `days` is given), with
    the `clock` fixture travelled to that day's moment in `zone`."""
    chosen = reference_days(zone) if days is None else days
    return pytest.mark.parametrize(
        "clock", [pytest.param(day.moment(zone), id=day.name) for day in chosen], indirect=True
    )


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Iterator[datetime]:
    """The reference moment the test runs at (see `on_reference_days`); list it first among
    the test's fixtures so everything else is made on that day."""
    moment = getattr(request, "param", None)
    if not isinstance(moment, datetime):
        raise pytest.UsageError("use @on_reference_days(zone) with the clock fixture")
    with travel(moment) as now:
        yield now
