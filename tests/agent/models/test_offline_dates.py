"""Date phrases read in the user's zone at a fixed "now" (dateparser behind a phrase picker)."""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from agent.models.offline_dates import find_date, iso
from tests.clock import reference_days

BERLIN = ZoneInfo("Europe/Berlin")
# Tuesday 1 December 2026, 10:00 in Berlin.
TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("sentence", "phrase", "when"),
    [
        ("call mom tomorrow", "tomorrow", "2026-12-02T23:59:59+01:00"),
        ("pay rent by Friday", "by Friday", "2026-12-04T23:59:59+01:00"),
        ("buy a gift by Dec 5", "by Dec 5", "2026-12-05T23:59:59+01:00"),
        ("call grandma at 5pm", "at 5pm", "2026-12-01T17:00:00+01:00"),
        ("stretch in 2 hours", "in 2 hours", "2026-12-01T12:00:00+01:00"),
        ("dentist tomorrow at 9:30", "tomorrow at 9:30", "2026-12-02T09:30:00+01:00"),
        ("dentist next Tuesday at 9am", "next Tuesday at 9am", "2026-12-08T09:00:00+01:00"),
        ("what's due this week", "due this week", "2026-12-06T23:59:59+01:00"),
        ("on 24 December", "on 24 December", "2026-12-24T23:59:59+01:00"),
        # Already past today: the next one.
        ("call at 9am", "at 9am", "2026-12-02T09:00:00+01:00"),
    ],
)
def test_phrases_in_berlin(sentence: str, phrase: str, when: str) -> None:
    found = find_date(sentence, TUESDAY)

    assert found is not None
    assert (found.text, iso(found.when)) == (phrase, when)


@pytest.mark.parametrize(
    ("zone", "now", "sentence", "when"),
    [
        # Just before midnight in Tokyo it is still the afternoon in UTC: "tomorrow" is Tokyo's.
        ("Asia/Tokyo", (2026, 12, 1, 23, 30), "tomorrow", "2026-12-02T23:59:59+09:00"),
        ("Asia/Tokyo", (2026, 12, 1, 23, 30), "at 5pm", "2026-12-02T17:00:00+09:00"),
        ("Pacific/Pago_Pago", (2026, 12, 1, 8, 0), "Friday", "2026-12-04T23:59:59-11:00"),
        # New York moves its clocks on 14 March 2027: a date after it has the summer offset.
        ("America/New_York", (2027, 3, 12, 22, 30), "Monday", "2027-03-15T23:59:59-04:00"),
        ("America/New_York", (2027, 3, 12, 22, 30), "in 2 hours", "2027-03-13T00:30:00-05:00"),
        # Berlin's autumn change, 25 October 2026.
        ("Europe/Berlin", (2026, 10, 24, 12, 0), "tomorrow at 5pm", "2026-10-25T17:00:00+01:00"),
    ],
)
def test_phrases_in_several_zones(
    zone: str, now: tuple[int, int, int, int, int], sentence: str, when: str
) -> None:
    found = find_date(sentence, datetime(*now, tzinfo=ZoneInfo(zone)))

    assert found is not None
    assert iso(found.when) == when


@pytest.mark.parametrize(
    "sentence", ["buy milk", "call 5 people", "team meeting at 3", "task 12", "read chapter 7"]
)
def test_no_date_no_phrase(sentence: str) -> None:
    assert find_date(sentence, TUESDAY) is None


# Every reference day (tests/clock.py) in zones on both sides of UTC and one without DST: the
# calendar arithmetic against a plain reading of each phrase.
ZONES = [ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]
REFERENCE_MOMENTS = [
    pytest.param(day.moment(zone), id=f"{zone.key}-{day.name}")
    for zone in ZONES
    for day in reference_days(zone)
]
FRIDAY, SUNDAY = 4, 6


def end_of(day: date, zone: tzinfo | None) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def after_today(now: datetime, weekday: int) -> date:
    """The next such weekday after today: "Friday" on a Friday is next week's."""
    return now.date() + timedelta(days=(weekday - now.weekday() - 1) % 7 + 1)


def this_sunday(now: datetime) -> date:
    return now.date() + timedelta(days=SUNDAY - now.weekday())


def expected_moments(now: datetime) -> dict[str, datetime]:
    zone, today = now.tzinfo, now.date()
    tomorrow = today + timedelta(days=1)
    next_sunday = this_sunday(now) + timedelta(days=7)
    return {
        "do it today": end_of(today, zone),
        "call mom tomorrow": end_of(tomorrow, zone),
        "dentist tomorrow at 5pm": datetime.combine(tomorrow, time(17), tzinfo=zone),
        "what's due this week": end_of(this_sunday(now), zone),
        "clean the garage this weekend": end_of(this_sunday(now), zone),
        "finish it by the weekend": end_of(this_sunday(now), zone),
        "what's due next week": end_of(next_sunday, zone),
        "hike next weekend": end_of(next_sunday, zone),
        "pay rent by Friday": end_of(after_today(now, FRIDAY), zone),
        "dentist next Monday": end_of(after_today(now, 0), zone),
        # Elapsed time: six hours on from now, whatever the clock on the wall does meanwhile.
        "stretch in 6 hours": (now.astimezone(UTC) + timedelta(hours=6)).astimezone(zone),
    }


@pytest.mark.parametrize("now", REFERENCE_MOMENTS)
def test_phrases_on_every_reference_day(now: datetime) -> None:
    expected = expected_moments(now)

    found = {sentence: find_date(sentence, now) for sentence in expected}

    assert {s: iso(f.when) if f else None for s, f in found.items()} == {
        s: iso(when) for s, when in expected.items()
    }


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("clean the garage this weekend", "this weekend"),
        ("hike over the weekend", "over the weekend"),
        ("hike next weekend", "next weekend"),
        ("report due next week", "due next week"),
    ],
)
def test_a_week_phrase_is_cut_out_whole(sentence: str, phrase: str) -> None:
    found = find_date(sentence, TUESDAY)

    assert found is not None
    assert found.text == phrase


def test_the_weekend_alone_is_part_of_a_title() -> None:
    assert find_date("plan the weekend trip", TUESDAY) is None
