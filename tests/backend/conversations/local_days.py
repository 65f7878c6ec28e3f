"""Days on a user's calendar, as a model told "today" in that zone would name them. "Today"
is the clock's: a test using these travels to a reference day first (tests/clock.py)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONDAY, FRIDAY, SUNDAY = 0, 4, 6


def today(zone: ZoneInfo) -> date:
    return datetime.now(zone).date()


def next_weekday(zone: ZoneInfo, weekday: int) -> date:
    """The next such weekday after today (a week on when today is one)."""
    ahead = (weekday - today(zone).weekday() - 1) % 7 + 1
    return today(zone) + timedelta(days=ahead)


def end_of_week(zone: ZoneInfo) -> date:
    """This week's Sunday: today when today is Sunday."""
    return today(zone) + timedelta(days=SUNDAY - today(zone).weekday())


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """What a date alone means as a due time: by the end of that day, on the user's clock."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def in_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
