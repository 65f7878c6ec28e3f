"""Dates in a sentence, for the offline model: pick the phrase out, let `dateparser` read it.

Only the picking is ours ("by Friday", "tomorrow at 5pm", "in 2 hours", "next Tuesday at
9am", "Dec 5"); what a phrase means, in the user's zone and relative to the turn's "now", is
dateparser's (PREFER_DATES_FROM=future, so "Friday" is the coming one). A phrase without a
time of day means the end of that day, as the task tools read a bare date.

Every pattern here is a flat alternation of words with bounded repeats: linear in the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import dateparser

from agent.models import linear

_WEEKDAY = (
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)\b"
)
# A month ends its word ("2 maybe" holds no "2 May").
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?:\.|\b)"
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?\b"
_DAY = (
    rf"(?:today|tonight|tomorrow|tmrw|(?:next|this|coming)\s+(?:week(?:end)?\b|month|{_WEEKDAY})|"
    rf"{_WEEKDAY}|{_MONTH}\s+{_ORDINAL}|{_ORDINAL}\s+(?:of\s+)?{_MONTH}|\d{{4}}-\d{{2}}-\d{{2}}\b|"
    r"the\s+\d{1,2}(?:st|nd|rd|th)\b)"
)
_CLOCK = r"(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\d{1,2}:\d{2}\b|noon\b|midnight\b)"
_TIME = rf"(?:(?:at|@)\s+)?{_CLOCK}"
_SPAN = r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\b"
_IN = rf"in\s+(?:\d{{1,3}}|an?|one|two|three|a few)\s+{_SPAN}"
_LEAD = r"(?:(?:by|on|due|until|till|before|for|from|at)\s+)?"
# "the weekend" only after a word that makes it a date: "plan the weekend trip" is a title.
_THE_WEEKEND = r"(?:by|on|over|for|at|until|till|before|during)\s+the\s+weekend\b"
DATE_PHRASE = linear.compile(
    rf"\b(?:{_THE_WEEKEND}|{_LEAD}(?:{_DAY}(?:\s+{_TIME})?|"
    rf"(?:at|@)\s+{_CLOCK}(?:\s+(?:on\s+)?{_DAY})?|{_CLOCK}\s+(?:on\s+)?{_DAY}|{_IN}|{_CLOCK}))",
    ignore_case=True,
)
_HAS_TIME = linear.compile(rf"{_CLOCK}|\bin\s|\btonight\b", ignore_case=True)
_LEAD_WORD = linear.compile(r"^(?:by|on|due|until|till|before|for|from)\s+", ignore_case=True)
# A week or a weekend: dateparser reads "next week" as a week from now (next Monday, on a
# Monday) and "this weekend" not at all; they end on that week's Sunday.
_WEEK = linear.compile(
    r"^(?:(?:over|at|during)\s+)?(?:(this|the)|next|coming)\s+week(?:end)?$", ignore_case=True
)
# "in 2 hours" is a span of time, not of the wall clock: across a DST change the clock
# moves by one hour more or less.
_ELAPSED = linear.compile(r"^in\s.*(?:minutes?|mins?|hours?|hrs?)$", ignore_case=True)
_DAY_OF_MONTH = linear.compile(r"^the\s+(\d{1,2})(?:st|nd|rd|th)$", ignore_case=True)


@dataclass(frozen=True)
class DatePhrase:
    text: str
    """The words as written, leading "by"/"on" included: what to cut out of a title."""
    when: datetime
    """Aware, in the user's zone."""


def find_date(sentence: str, now: datetime) -> DatePhrase | None:
    """The first date phrase in the sentence that dateparser can read, resolved at `now`."""
    match = DATE_PHRASE.search(sentence)
    if match is None:
        return None
    when = resolve(match.group(0), now)
    return DatePhrase(match.group(0), when) if when is not None else None


def resolve(phrase: str, now: datetime) -> datetime | None:
    """ "tomorrow", "Friday at 5pm", "in 2 hours" -> an aware datetime in `now`'s zone."""
    core = _LEAD_WORD.sub("", phrase.strip())
    week = _WEEK.match(core)
    if week:
        return end_of_week(now, weeks_on=0 if week.group(1) else 1)
    if day := _DAY_OF_MONTH.match(core):
        return _next_day_of_month(int(day.group(1)), now)
    zone = now.tzinfo
    key = getattr(zone, "key", None) or "UTC"
    parsed = dateparser.parse(
        core,
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "TIMEZONE": key,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RELATIVE_BASE": now.replace(tzinfo=None),
        },
    )
    if parsed is None:
        return None
    # The wall-clock time dateparser read, with the offset that time has in the zone: its
    # own offset is today's, wrong across a DST change ("tomorrow at 5pm" on the eve of the
    # change came back as 17:00+02:00). (An aware base fixes that but loses "at 5pm".)
    local = parsed.replace(tzinfo=None).replace(tzinfo=zone)
    if _ELAPSED.match(core):
        elapsed = parsed.replace(tzinfo=None) - now.replace(tzinfo=None)
        return (now.astimezone(UTC) + elapsed).astimezone(zone)
    if _HAS_TIME.search(core):
        return local
    end_of_day = datetime.combine(local.date(), time(23, 59, 59))
    return end_of_day.replace(tzinfo=zone)


def _next_day_of_month(day: int, now: datetime) -> datetime | None:
    """ "the 10th": that day of this month, or of the next month that has it once it has
    passed (dateparser reads "10th" as October)."""
    year, month = now.year, now.month
    for _ in range(13):
        if day >= now.day or (year, month) != (now.year, now.month):
            try:
                return end_of_day(now.replace(year=year, month=month, day=day))
            except ValueError:  # no such day in that month (the 31st of November)
                pass
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def end_of_day(now: datetime) -> datetime:
    return datetime.combine(now.date(), time(23, 59, 59)).replace(tzinfo=now.tzinfo)


def end_of_week(now: datetime, weeks_on: int = 0) -> datetime:
    """The end of this week's Sunday (`weeks_on` weeks later): today itself on a Sunday, so
    "due this week" takes in the weekend and never reaches into the next week (dateparser
    reads "this week" as now, and "sunday" on a Sunday as the next one)."""
    return end_of_day(now + timedelta(days=6 - now.weekday() + 7 * weeks_on))


def iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")
