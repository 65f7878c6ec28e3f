"""Date phrases read in the user's zone at a fixed "now" (dateparser behind a phrase picker)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.models.offline_dates import find_date, iso

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
