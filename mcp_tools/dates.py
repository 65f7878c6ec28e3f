"""ISO 8601 dates and times from a model, read in the user's time zone."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from backend.fields import EARLIEST_MOMENT, LATEST_MOMENT, MOMENT_RANGE

END_OF_DAY = time(23, 59, 59)


def parse_when(text: str, zone: ZoneInfo, *, day_time: time = END_OF_DAY) -> datetime:
    """A date-time with an offset as given; one without, on the user's clock; a date alone
    at `day_time` that day (the end of it by default, "due Friday" = by Friday night)."""
    text = text.strip()
    try:
        if len(text) == len("2026-12-05"):
            moment = datetime.combine(date.fromisoformat(text), day_time, tzinfo=zone)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not an ISO 8601 date (2026-12-05) or date-time (2026-12-05T17:00)."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not EARLIEST_MOMENT <= moment < LATEST_MOMENT:
        raise ValueError(f"'{text}' is out of range: dates must be {MOMENT_RANGE}.")
    return moment
