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
_HASHTAG_SPAN = 500

Priority: TypeAlias = Literal["low", "medium", "high"]
Recurrence: TypeAlias = Literal["daily", "weekdays", "weekly", "monthly"]
Sort: TypeAlias = Literal["priority", "due_at", "title", "created_at"]
ClearableField: TypeAlias = Literal["priority", "due", "recurrence", "remind", "tags"]

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
# A description is data as well: "add a description to task 4: transfer by the 1st".
_DESCRIPTION_VALUE = linear.compile(
    r"\bdescription\s+(?:(?:to|for|on|of)\s+[^:]{1,60}?)?(?:\s*:|\s+(?:to|as|saying))\s+"
    r"(?P<v>\S.*)$",
    ignore_case=True,
)
_PRIORITY = linear.compile(
    r"\b(?:with\s+|at\s+)?(?P<level>high|top|low|medium|normal)[\s-]prio(?:rity)?\b|"
    r"\bprio(?:rity)?\s+(?P<level2>high|low|medium)\b|\b(?P<p>p[1-4])\b",
    ignore_case=True,
)
# "urgent" is a priority where a title would not end: leading ("urgent: …"), trailing
# ("make task 1 urgent", "task 5 is urgent") or naming a list ("urgent stuff?").
_URGENT = linear.compile(
    r"^(?:urgent|important|asap)\s*[:!-]\s*|\b(?:urgently|asap)\b|"
    r"(?:\s+(?:as|is|to be|be))?\s+(?:urgent|important)$|"
    r"^(?:urgent|important)\s+(?P<noun>stuff|things|tasks|ones|items|todos)\b",
    ignore_case=True,
)
# "low priority: clean the garage", "p3 - sort the photos": a note like "todo: …".
_LEADING_CUE = linear.compile(r"^\s*[:!-]\s*")
_LEVELS: dict[str, Priority] = {
    "high": "high",
    "top": "high",
    "low": "low",
    "medium": "medium",
    "normal": "medium",
    "p1": "high",
    "p2": "medium",
    "p3": "low",
    "p4": "low",
}
# Unbounded here: RE2 is linear either way, and a bounded repeat of a Unicode class makes a
# program too big for its fast matcher. `tags_in` keeps docs/api.md §18's 10 tags of 30 characters.
_TAG_WORD = r"#?[\pL\pN][\pL\pN_-]*"
TAG_LIST = rf"{_TAG_WORD}(?:(?:\s*,\s*|\s+and\s+){_TAG_WORD})*"
_TAGS = linear.compile(
    rf"[\s,]*\b(?:tagged(?:\s+(?:as|with))?|tag(?:ged)?\s+(?:it\s+)?(?:as|with)|with\s+tags?|"
    rf"labell?ed(?:\s+as)?)\s+(?P<tags>{TAG_LIST})",
    ignore_case=True,
)
# A number or "it" ends where the tags begin, so "label task 1 home" needs no "as".
_SHORT_REF = r"(?:task\s+|number\s+|#)\d{1,9}|it|that(?:\s+one)?|this(?:\s+one)?"
_TAG_COMMANDS = (
    linear.compile(
        rf"^(?:tag|label)\s+(?P<ref>.+?)\s+(?:as|with)\s+(?P<tags>{TAG_LIST})$",
        ignore_case=True,
    ),
    linear.compile(
        rf"^(?:tag|label)\s+(?P<ref>{_SHORT_REF})\s+(?P<tags>{TAG_LIST})$", ignore_case=True
    ),
    linear.compile(
        rf"^(?:file|put)\s+(?P<ref>.+?)\s+under\s+(?P<tags>{TAG_LIST})$", ignore_case=True
    ),
)
# "#errands", "label: errands": tags said the way people type them.
_HASHTAG = linear.compile(r"(?:^|\s)#(?P<tag>\pL[\pL\pN_-]*)")
_LABEL_COLON = linear.compile(
    rf"(?:^|[\s,;]+)(?:labels?|tags?)\s*:\s*(?P<tags>{TAG_LIST})", ignore_case=True
)
_TAG_SPLIT = linear.compile(r"\s*,\s*|\s+and\s+", ignore_case=True)
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
_REPEAT = r"(?:(?:to\s+)?repeat(?:s|ing)?\s+)?"
_RECURRENCE: list[tuple[linear.Pattern, Recurrence]] = [
    (
        linear.compile(
            rf"\b{_REPEAT}(?:every|each)\s+(?:week\s*day|work\s*day)\b|\bon\s+weekdays\b",
            ignore_case=True,
        ),
        "weekdays",
    ),
    (
        linear.compile(rf"\b{_REPEAT}(?:daily|every\s*day|each\s+day)\b", ignore_case=True),
        "daily",
    ),
    (
        linear.compile(rf"\b{_REPEAT}(?:weekly|every\s+week|each\s+week)\b", ignore_case=True),
        "weekly",
    ),
    (
        linear.compile(rf"\b{_REPEAT}(?:monthly|every\s+month|each\s+month)\b", ignore_case=True),
        "monthly",
    ),
]
_EVERY_WEEKDAY = linear.compile(
    rf"\b{_REPEAT}(?P<every>every|each|on)\s+(?P<day>{_WEEKDAY})\b", ignore_case=True
)
_SORT = linear.compile(
    r"\b(?:(?:sorted|ordered|sort|order)\s+)?by\s+(?P<key>priority|importance|due\s*dates?|"
    r"deadlines?|dates?|title|name|newest|oldest|creation)\b|\balphabetically\b",
    ignore_case=True,
)
_SORT_KEYS: dict[str, Sort] = {"priority": "priority", "importance": "priority", "title": "title"}
_OVERDUE = linear.compile(r"\b(?:overdue|past\s+due|late)\b", ignore_case=True)
_REMIND = linear.compile(
    r"^(?:please\s+)?(?:remind|ping|alert|notify|nudge)\s+me\b|\breminder\b", ignore_case=True
)
_DUE_CUE = linear.compile(r"\b(?:due|deadline|by|until|till|before)\b", ignore_case=True)
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
    clear: tuple[ClearableField, ...] = ()
    """Fields to remove: "remove the due date from task 2" clears `due`."""
    untag: tuple[str, ...] = ()
    """Tags to take off a task ("remove the shopping tag from task 5")."""
    reminding: bool = False
    """The sentence asks for a reminder ("remind me …", "set a reminder …")."""
    due_said: bool = False
    """The date is said to be a due date ("due", "by", "deadline"), not just a day named."""


def extract(sentence: str, now: datetime) -> tuple[Slots, str]:
    """The sentence's slots, and the sentence with their words cut out."""
    masked, quotes = _mask_quotes(sentence)
    slots = Slots()
    for command in _TAG_COMMANDS:
        if match := command.match(masked):
            tags = tags_in(match.group("tags"))
            slots, masked = replace(slots, tags=tags, tag_target=match.group("ref")), ""
            break
    for step in (_priority, _hashtags, _tags_slot, _recurrence, _sort, _overdue):
        slots, masked = step(slots, masked)
    slots, masked = _dates(slots, masked, now, reminding=bool(_REMIND.search(sentence)))
    rest = _unmask(_tidy(masked), quotes)
    return slots, rest


def _priority(slots: Slots, text: str) -> tuple[Slots, str]:
    if match := _PRIORITY.search(text):
        key = match.group("level") or match.group("level2") or match.group("p")
        return replace(slots, priority=_LEVELS[key.lower()]), _cut_cue(text, match)
    if match := _URGENT.search(text):
        if noun := match.group("noun"):  # "urgent stuff?" lists: the noun stays
            return replace(slots, priority="high"), _cut(text, match, f" {noun} ")
        return replace(slots, priority="high"), _cut_cue(text, match)
    return slots, text


def _cut_cue(text: str, match: linear.Match) -> str:
    """Cut a priority cue out; one that opens the sentence before a colon or dash starts a
    note ("urgent: submit the tax return" is "todo: submit the tax return")."""
    rest = text[match.end() :]
    if match.start() == 0 and (_LEADING_CUE.match(rest) or match.group(0).rstrip()[-1:] in ":!-"):
        return "todo: " + _LEADING_CUE.sub("", rest, count=1)
    return _cut(text, match)


def _tags_slot(slots: Slots, text: str) -> tuple[Slots, str]:
    for pattern in (_TAGS, _LABEL_COLON):
        if match := pattern.search(text):
            tags = (*slots.tags, *tags_in(match.group("tags")))
            return replace(slots, tags=tuple(dict.fromkeys(tags))), _cut(text, match)
    return slots, text


def _hashtags(slots: Slots, text: str) -> tuple[Slots, str]:
    found = _HASHTAG.findall(text[:_HASHTAG_SPAN])
    if not found:
        return slots, text
    tags = tags_in(", ".join(found))
    return replace(slots, tags=(*slots.tags, *tags)), _HASHTAG.sub(" ", text, count=TAGS_MAX)


def tags_in(text: str) -> tuple[str, ...]:
    """ "home, Bills and #work" -> ("home", "bills", "work"): at most 10, each fitting."""
    seen: dict[str, None] = {}
    # Only the first few can be kept: a list of a thousand is not split whole.
    for tag in _TAG_SPLIT.split(text[: TAGS_MAX * (TAG_MAX_CHARS + 8)]):
        seen.setdefault(tag.strip().lstrip("#").lower(), None)
    return tuple(tag for tag in seen if 0 < len(tag) <= TAG_MAX_CHARS)[:TAGS_MAX]


def _recurrence(slots: Slots, text: str) -> tuple[Slots, str]:
    if match := _EVERY_WEEKDAY.search(text):
        if match.group("every").lower() in {"every", "each"}:
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
    due_said = bool(_DUE_CUE.search(text))
    return replace(
        slots, due=found.when, remind=remind, reminding=reminding, due_said=due_said
    ), rest


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

    def keep_value(match: linear.Match) -> str:
        quotes.append(match.group("v"))
        whole, value = match.group(0), match.group("v")  # the value ends the match
        head = whole[: len(whole) - len(value)]
        return f"{head}\ue000{len(quotes) - 1}\ue001"

    # A sentence quotes a title or two; a bound keeps a message of a thousand quotes cheap.
    masked = _NEW_NAME.sub(keep, _QUOTED.sub(keep_quote, text, count=8), count=1)
    return _DESCRIPTION_VALUE.sub(keep_value, masked, count=1), quotes


def _unmask(text: str, quotes: list[str]) -> str:
    for index, quote in enumerate(quotes):
        text = text.replace(f"\ue000{index}\ue001", quote)
    return text
