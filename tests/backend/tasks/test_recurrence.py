"""Recurrence arithmetic: month ends, DST in the task's zone, weekends, catching up past now."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.tasks.recurrence import Recurrence, next_occurrence

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def local(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def next_due(
    due: datetime, rule: Recurrence, zone: ZoneInfo = BERLIN, now: datetime = LONG_AGO
) -> datetime:
    return next_occurrence(due, None, rule, zone, now).due_at.astimezone(zone)


@pytest.mark.parametrize(
    ("rule", "due", "expected"),
    [
        ("daily", (2026, 3, 10, 9, 0), (2026, 3, 11, 9, 0)),
        ("weekly", (2026, 3, 10, 9, 0), (2026, 3, 17, 9, 0)),
        ("monthly", (2026, 3, 10, 9, 0), (2026, 4, 10, 9, 0)),
        ("daily", (2026, 12, 31, 23, 30), (2027, 1, 1, 23, 30)),
        ("monthly", (2026, 12, 15, 8, 0), (2027, 1, 15, 8, 0)),
    ],
)
def test_one_step_keeps_the_local_time(
    rule: Recurrence, due: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    assert next_due(local(BERLIN, *due), rule) == local(BERLIN, *expected)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ((2026, 1, 31), (2026, 2, 28)),
        ((2028, 1, 31), (2028, 2, 29)),  # a leap year
        ((2026, 3, 31), (2026, 4, 30)),
        ((2026, 8, 31), (2026, 9, 30)),
        ((2026, 2, 28), (2026, 3, 28)),
    ],
)
def test_monthly_on_a_day_the_next_month_lacks_takes_its_last_day(
    due: tuple[int, int, int], expected: tuple[int, int, int]
) -> None:
    assert next_due(local(BERLIN, *due, 18), "monthly") == local(BERLIN, *expected, 18)


def test_monthly_catching_up_counts_from_the_original_day() -> None:
    """Moved past two short months at once, the 31st comes back as the 31st."""
    now = datetime(2026, 3, 20, tzinfo=UTC)
    assert next_due(local(BERLIN, 2026, 1, 31, 9), "monthly", now=now) == local(
        BERLIN, 2026, 3, 31, 9
    )


def test_daily_at_nine_stays_nine_local_across_spring_forward() -> None:
    # Berlin moves from +01:00 to +02:00 on 2026-03-29.
    due = local(BERLIN, 2026, 3, 28, 9)
    following = next_occurrence(due, None, "daily", BERLIN, LONG_AGO).due_at
    assert following.astimezone(BERLIN) == local(BERLIN, 2026, 3, 29, 9)
    assert following - due == timedelta(hours=23)
    assert following.astimezone(UTC).hour == 7


def test_daily_at_nine_stays_nine_local_across_fall_back() -> None:
    # Berlin moves from +02:00 to +01:00 on 2026-10-25.
    due = local(BERLIN, 2026, 10, 24, 9)
    following = next_occurrence(due, None, "daily", BERLIN, LONG_AGO).due_at
    assert following.astimezone(BERLIN) == local(BERLIN, 2026, 10, 25, 9)
    assert following - due == timedelta(hours=25)


def test_weekly_across_a_dst_change_in_another_zone() -> None:
    # New York springs forward on 2026-03-08.
    due = local(NEW_YORK, 2026, 3, 2, 17)
    assert next_due(due, "weekly", NEW_YORK) == local(NEW_YORK, 2026, 3, 9, 17)


def test_a_wall_time_skipped_by_spring_forward_lands_an_hour_later() -> None:
    due = local(BERLIN, 2026, 3, 28, 2, 30)
    assert next_due(due, "daily") == local(BERLIN, 2026, 3, 29, 3, 30)
    # And the day after, the original wall time is back.
    assert next_due(local(BERLIN, 2026, 3, 29, 2, 30), "daily") == local(BERLIN, 2026, 3, 30, 2, 30)


@pytest.mark.parametrize(
    ("due_day", "expected_day"),
    [
        (6, 9),  # Friday -> Monday
        (7, 9),  # Saturday -> Monday
        (8, 9),  # Sunday -> Monday
        (9, 10),  # Monday -> Tuesday
    ],
)
def test_weekdays_skip_the_weekend(due_day: int, expected_day: int) -> None:
    due = local(BERLIN, 2026, 11, due_day, 8)
    assert next_due(due, "weekdays") == local(BERLIN, 2026, 11, expected_day, 8)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("daily", (2026, 11, 21, 9)),
        ("weekdays", (2026, 11, 23, 9)),  # now is Friday 10:00: Monday next
        ("weekly", (2026, 11, 27, 9)),  # Fridays, like the first one
        ("monthly", (2026, 12, 2, 9)),
    ],
)
def test_moves_forward_until_it_is_in_the_future(
    rule: Recurrence, expected: tuple[int, ...]
) -> None:
    due = local(BERLIN, 2026, 1, 2, 9)  # a Friday almost a year ago
    now = local(BERLIN, 2026, 11, 20, 10)  # a Friday
    assert next_due(due, rule, now=now) == local(BERLIN, *expected)


def test_an_occurrence_later_today_is_kept() -> None:
    due = local(BERLIN, 2026, 11, 19, 18)
    now = local(BERLIN, 2026, 11, 20, 17, 59)
    assert next_due(due, "daily", now=now) == local(BERLIN, 2026, 11, 20, 18)


def test_an_occurrence_exactly_now_is_not_in_the_future() -> None:
    due = local(BERLIN, 2026, 11, 19, 18)
    now = local(BERLIN, 2026, 11, 20, 18)
    assert next_due(due, "daily", now=now) == local(BERLIN, 2026, 11, 21, 18)


def test_a_due_date_in_the_future_still_moves_one_step() -> None:
    due = local(BERLIN, 2027, 5, 1, 9)
    now = local(BERLIN, 2026, 11, 20, 10)
    assert next_due(due, "weekly", now=now) == local(BERLIN, 2027, 5, 8, 9)


def test_remind_at_moves_by_the_same_amount() -> None:
    due = local(BERLIN, 2026, 3, 28, 9)
    remind = due - timedelta(minutes=30)
    moved = next_occurrence(due, remind, "daily", BERLIN, LONG_AGO)
    assert moved.remind_at == moved.due_at - timedelta(minutes=30)
    assert moved.remind_at is not None
    assert moved.remind_at.astimezone(BERLIN) == local(BERLIN, 2026, 3, 29, 8, 30)


def test_no_reminder_stays_no_reminder() -> None:
    assert (
        next_occurrence(local(BERLIN, 2026, 3, 1, 9), None, "daily", BERLIN, LONG_AGO).remind_at
        is None
    )


def test_a_weekday_rule_decades_late_finds_the_next_weekday() -> None:
    due = local(BERLIN, 1996, 1, 5, 9)
    now = local(BERLIN, 2026, 11, 21, 12)  # a Saturday
    assert next_due(due, "weekdays", now=now) == local(BERLIN, 2026, 11, 23, 9)
