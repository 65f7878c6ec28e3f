"""The richer-task slots of a sentence, read apart from its intent: priority, tags, dates,
recurrence, sort and "overdue". Each is found by its own cue words and cut out, so the intent
parser sees "add a task to pay rent" in "add a high priority task to pay rent by Friday".

Quoted text is data (a title) and never read for slots. Every pattern is linear: flat
alternations and bounded repeats, at most one lazy run bounded in length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, TypeAlias

from agent.models import linear
from agent.models.offline_dates import find_date

TAGS_MAX = 10
TAG_MAX_CHARS = 30

Priority: TypeAlias = Literal["low", "medium", "high"]
Recurrence: TypeAlias = Literal["daily", "weekdays", "weekly", "monthly"]
Sort: TypeAlias = Literal["priority", "due_at", "title", "created_at"]

# A quote opens after a space, a colon or a bracket (so "what's" holds none) and closes
# before one or a punctuation mark; `before` and `after` are put back around the placeholder.
_QUOTED = linear.compile(
    r"(?P<before>^|[\s:(])(?P<quote>\"[^\"]+\"|'[^']+'|`[^`]+`)"
    r"(?P<after>$|[\s.,!?;:)])"
)
# A new name is data too: "… should be called Weekly sync" names a task, it sets no repeat.
_NEW_NAME = linear.compile(
    r"\b(?:called|named|titled|renamed?\s+(?:it|task\s+\d{1,9}|the\s+[\pL\pN_-]+(?:\s+(?:task|one))?)"
    r"\s+(?:to|as))\s+\S.*$",
    ignore_case=True,
)
_PRIORITY = linear.compile(
    r"\b(?:with\s+|at\s+)?(?P<level>high|top|low|medium|normal)[\s-]priority\b|"
    r"\bpriority\s+(?P<level2>high|low|medium)\b",
    ignore_case=True,
)
_URGENT = linear.compile(
    r"^(?:urgent|important|asap|high priority)\s*[:!-]\s*|\b(?:urgently|asap)\b", ignore_case=True
)
_LEVELS: dict[str, Priority] = {
    "high": "high",
    "top": "high",
    "low": "low",
    "medium": "medium",
    "normal": "medium",
}
# Unbounded here: RE2 is linear either way, and a bounded repeat of a Unicode class makes a
# program too big for its fast matcher. `_tags` keeps docs/api.md §18's 10 tags of 30 characters.
_TAG_WORD = r"#?[\pL\pN][\pL\pN_-]*"
_TAGS = linear.compile(
    rf"[\s,]*\b(?:tagged(?:\s+(?:as|with))?|tag(?:ged)?\s+(?:it\s+)?(?:as|with)|with\s+tags?|"
    rf"labell?ed(?:\s+as)?)\s+(?P<tags>{_TAG_WORD}(?:(?:\s*,\s*|\s+and\s+){_TAG_WORD})*)",
    ignore_case=True,
)
_TAG_COMMAND = linear.compile(
    rf"^(?:tag|label)\s+(?P<ref>.+?)\s+(?:as|with)\s+"
    rf"(?P<tags>{_TAG_WORD}(?:(?:\s*,\s*|\s+and\s+){_TAG_WORD})*)$",
    ignore_case=True,
)
_TAG_SPLIT = linear.compile(r"\s*,\s*|\s+and\s+", ignore_case=True)
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
_RECURRENCE: list[tuple[linear.Pattern, Recurrence]] = [
    (
        linear.compile(
            r"\b(?:every|each)\s+(?:week\s*day|work\s*day)\b|\bon\s+weekdays\b", ignore_case=True
        ),
        "weekdays",
    ),
    (
        linear.compile(
            r"\b(?:repeat(?:s|ing)?\s+)?(?:daily|every\s*day|each\s+day)\b", ignore_case=True
        ),
        "daily",
    ),
    (
        linear.compile(
            r"\b(?:repeat(?:s|ing)?\s+)?(?:weekly|every\s+week|each\s+week)\b", ignore_case=True
        ),
        "weekly",
    ),
    (
        linear.compile(
            r"\b(?:repeat(?:s|ing)?\s+)?(?:monthly|every\s+month|each\s+month)\b", ignore_case=True
        ),
        "monthly",
    ),
]
_EVERY_WEEKDAY = linear.compile(rf"\b(?:every|each|on)\s+(?P<day>{_WEEKDAY})\b", ignore_case=True)
_SORT = linear.compile(
    r"\b(?:(?:sorted|ordered|sort|order)\s+)?by\s+(?P<key>priority|importance|due\s*dates?|"
    r"deadlines?|dates?|title|name|newest|oldest|creation)\b|\balphabetically\b",
    ignore_case=True,
)
_SORT_KEYS: dict[str, Sort] = {"priority": "priority", "importance": "priority", "title": "title"}
_OVERDUE = linear.compile(r"\b(?:overdue|past\s+due|late)\b", ignore_case=True)
_REMIND = linear.compile(r"^(?:please\s+)?(?:remind|ping|alert|notify)\s+me\b", ignore_case=True)
_DANGLING = linear.compile(r"\s+(?:to|by|on|for|at|due)$", ignore_case=True)


@dataclass(frozen=True)
class Slots:
    priority: Priority | None = None
    tags: tuple[str, ...] = ()
    due: datetime | None = None
    remind: datetime | None = None
    recurrence: Recurrence | None = None
    sort: Sort | None = None
    overdue: bool = False
    tag_target: str | None = None
    """ "tag task 2 as work": the task the tags are for."""


def extract(sentence: str, now: datetime) -> tuple[Slots, str]:
    """The sentence's slots, and the sentence with their words cut out."""
    masked, quotes = _mask_quotes(sentence)
    slots = Slots()
    if match := _TAG_COMMAND.match(masked):
        slots = replace(slots, tags=_tags(match.group("tags")), tag_target=match.group("ref"))
        masked = ""
    for step in (_priority, _tags_slot, _recurrence, _sort, _overdue):
        slots, masked = step(slots, masked)
    slots, masked = _dates(slots, masked, now, reminding=bool(_REMIND.match(sentence)))
    rest = _unmask(_tidy(masked), quotes)
    return slots, rest


def _priority(slots: Slots, text: str) -> tuple[Slots, str]:
    if match := _PRIORITY.search(text):
        level = _LEVELS[(match.group("level") or match.group("level2")).lower()]
        return replace(slots, priority=level), _cut(text, match)
    if match := _URGENT.search(text):
        if match.start() == 0 and ":" in match.group(0):  # "urgent: …" is a note like "todo: …"
            return replace(slots, priority="high"), "todo: " + text[match.end() :]
        return replace(slots, priority="high"), _cut(text, match)
    return slots, text


def _tags_slot(slots: Slots, text: str) -> tuple[Slots, str]:
    match = _TAGS.search(text)
    if match is None:
        return slots, text
    return replace(slots, tags=(*slots.tags, *_tags(match.group("tags")))), _cut(text, match)


def _tags(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for tag in _TAG_SPLIT.split(text):
        seen.setdefault(tag.strip().lstrip("#").lower(), None)
    return tuple(tag for tag in seen if 0 < len(tag) <= TAG_MAX_CHARS)[:TAGS_MAX]


def _recurrence(slots: Slots, text: str) -> tuple[Slots, str]:
    if match := _EVERY_WEEKDAY.search(text):
        if match.group(0).lower().startswith(("every", "each")):
            day = match.group("day").rstrip("sS")
            return replace(slots, recurrence="weekly"), _cut(text, match, f" on {day} ")
    for pattern, rule in _RECURRENCE:
        if match := pattern.search(text):
            return replace(slots, recurrence=rule), _cut(text, match)
    return slots, text


def _sort(slots: Slots, text: str) -> tuple[Slots, str]:
    match = _SORT.search(text)
    if match is None:
        return slots, text
    key = (match.group("key") or "title").lower()
    sort: Sort = _SORT_KEYS.get(
        key, "created_at" if key in {"newest", "oldest", "creation"} else "due_at"
    )
    return replace(slots, sort=sort), _cut(text, match)


def _overdue(slots: Slots, text: str) -> tuple[Slots, str]:
    match = _OVERDUE.search(text)
    return (replace(slots, overdue=True), _cut(text, match)) if match else (slots, text)


def _dates(slots: Slots, text: str, now: datetime, *, reminding: bool) -> tuple[Slots, str]:
    found = find_date(text, now)
    if found is None:
        return slots, text
    start = text.find(found.text)
    rest = text[:start] + " " + text[start + len(found.text) :]
    has_time = (found.when.hour, found.when.minute, found.when.second) != (23, 59, 59)
    remind = found.when if reminding and has_time else None
    return replace(slots, due=found.when, remind=remind), rest


def _cut(text: str, match: linear.Match, instead: str = " ") -> str:
    return text[: match.start()] + instead + text[match.end() :]


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return _DANGLING.sub("", text)


def _mask_quotes(text: str) -> tuple[str, list[str]]:
    """Quoted text and a new name, swapped for placeholders that no slot pattern reads."""
    quotes: list[str] = []

    def keep(match: linear.Match) -> str:
        quotes.append(match.group(0))
        return f"\ue000{len(quotes) - 1}\ue001"

    def keep_quote(match: linear.Match) -> str:
        quotes.append(match.group("quote"))
        return f"{match.group('before')}\ue000{len(quotes) - 1}\ue001{match.group('after')}"

    # A sentence quotes a title or two; a bound keeps a message of a thousand quotes cheap.
    return _NEW_NAME.sub(keep, _QUOTED.sub(keep_quote, text, count=8), count=1), quotes


def _unmask(text: str, quotes: list[str]) -> str:
    for index, quote in enumerate(quotes):
        text = text.replace(f"\ue000{index}\ue001", quote)
    return text
