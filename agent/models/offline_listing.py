"""List requests, for the offline model: "show my work tasks", "what's left?", "find tasks
about groceries", "open shopping tasks sorted by title" (the sort and other slots are read
apart, in offline_slots.py)."""

from __future__ import annotations

from agent.models import linear
from agent.models.offline_intent_types import Intent, ListTasks
from agent.models.offline_refs import COMPLETED, PENDING, ListStatus, TaskName, parse_task_ref
from agent.models.offline_slots import TAG_MAX_CHARS, Slots

_SHOW = linear.compile(r"^(?:show|list|display|view|sort|order)\b", ignore_case=True)
# Verbs and questions that ask for a list only when they mention tasks or a status.
ASK = linear.compile(
    r"^(?:let me see|see|get|give|tell|fetch|print|read|check|what|whats|which|how many|"
    r"do i|have i|did i|are there|is there|any|anything)\b",
    ignore_case=True,
)
_SEARCH = linear.compile(
    r"^(?:find|search(?: for)?|look (?:for|up))\s+(?P<t>.+)$", ignore_case=True
)
# "my tasks", "open shopping tasks", "stuff" (what is left of "urgent stuff?").
_BARE_LIST = linear.compile(
    r"(?:(?:my|all|all my)\s+)?(?:(?:pending|completed|done|open)\s+)?(?:\pL[\pL\pN_-]*\s+)?"
    r"(?:tasks|todos|to-?do list|stuff|things|items)",
    ignore_case=True,
)
_TASK_NOUN = linear.compile(r"\b(?:tasks?|todos?|to-dos?|list|agenda|plate)\b", ignore_case=True)
_ABOUT = linear.compile(
    r"\b(?:about|matching|containing|mentioning|related to|called|named|titled)\s+(?P<t>.+)$",
    ignore_case=True,
)


def parse_list(sentence: str) -> Intent | None:
    search = _SEARCH.match(sentence)
    mentions = _TASK_NOUN.search(sentence) or PENDING.search(sentence)
    asks = _SHOW.match(sentence) or (
        ASK.match(sentence) and (mentions or COMPLETED.search(sentence))
    )
    asks = asks or (ASK.match(sentence) and _ABOUT.search(sentence))
    if not (search or asks or _BARE_LIST.fullmatch(sentence)):
        return None
    about = _ABOUT.search(sentence) or search  # "find tasks about X": X, not "tasks about X"
    ref = parse_task_ref(about.group("t")) if about else None
    tag = _LIST_TAG.search(sentence)
    name = tag.group("tag").lower() if tag else ""
    tags = (name,) if name and len(name) <= TAG_MAX_CHARS and name not in _NOT_TAGS else ()
    return ListTasks(
        status_of(sentence),
        ref.query if isinstance(ref, TaskName) else None,
        Slots(tags=tags),
    )


_LIST_TAG = linear.compile(
    r"\b(?:my|the|all|completed|done|finished|open|pending)\s+(?P<tag>\pL[\pL\pN_-]*)\s+"
    r"(?:tasks|todos|items)\b",
    ignore_case=True,
)
_NOT_TAGS = frozenset(
    "all open pending completed done finished unfinished incomplete outstanding remaining "
    "current other new old my the your our of".split()
)


def status_of(sentence: str) -> ListStatus:
    if PENDING.search(sentence):
        return "pending"
    if COMPLETED.search(sentence):
        return "completed"
    return "all"
