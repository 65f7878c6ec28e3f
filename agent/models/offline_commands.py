"""Sentences that change one field of a named task, read whole before anything else: "remove
the due date from task 2", "stop repeating task 4", "add the home tag to task 4", "untag task
1". Read first, so their verbs ("remove", "add") are never taken for a delete or an add.

Every pattern is linear (RE2): flat alternations, one lazy run at most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.models import linear
from agent.models.offline_slots import TAG_LIST, ClearableField, Slots, tags_in

_TAG_NOUN = r"(?:tag|label)s?"
_NAMED_TAGS = (
    rf"(?:the\s+|a\s+)?(?:(?P<before>{TAG_LIST})\s+{_TAG_NOUN}|"
    rf"{_TAG_NOUN}\s+(?P<after>{TAG_LIST}))"
)
_FIELDS: dict[str, ClearableField] = {
    "priority": "priority",
    "due date": "due",
    "due time": "due",
    "deadline": "due",
    "date": "due",
    "reminder": "remind",
    "reminders": "remind",
    "alarm": "remind",
    "recurrence": "recurrence",
    "repeat": "recurrence",
    "repetition": "recurrence",
    "tags": "tags",
    "labels": "tags",
}
_FIELD = (
    r"(?P<field>priority|due date|due time|deadline|date|reminders?|alarm|recurrence|repeat|"
    r"repetition|tags|labels)"
)
_REMOVE = (
    r"(?:remove|clear|delete|drop|unset|cancel|turn off|switch off|disable|take off|get rid of)"
)

_CLEAR_FIELD = (
    linear.compile(
        rf"^{_REMOVE}\s+(?:all\s+)?(?:the\s+|its\s+|a\s+)?{_FIELD}\s+(?:from|of|on|for|in)\s+"
        r"(?P<ref>.+)$",
        ignore_case=True,
    ),
    linear.compile(rf"^no\s+(?:more\s+)?{_FIELD}\s+(?:for|on)\s+(?P<ref>.+)$", ignore_case=True),
)
_CLEAR_VERB: list[tuple[linear.Pattern, ClearableField]] = [
    (
        linear.compile(r"^(?:stop|quit)\s+repeating\s+(?P<ref>.+)$", ignore_case=True),
        "recurrence",
    ),
    (
        linear.compile(
            r"^(?P<ref>.+?)\s+(?:should(?:n'?t| not)|does(?:n'?t| not) need to)\s+repeat"
            r"(?:\s+any\s*more)?$",
            ignore_case=True,
        ),
        "recurrence",
    ),
    (
        linear.compile(
            r"^(?:stop|quit|don'?t keep)\s+reminding\s+me\s+(?:about|of)\s+(?P<ref>.+)$",
            ignore_case=True,
        ),
        "remind",
    ),
    (linear.compile(r"^(?:untag|unlabel)\s+(?P<ref>.+)$", ignore_case=True), "tags"),
]
_ADD_TAG = linear.compile(
    rf"^(?:add|put|stick|give|attach|apply)\s+{_NAMED_TAGS}\s+(?:to|on|onto)\s+(?P<ref>.+)$",
    ignore_case=True,
)
_REMOVE_TAG = linear.compile(
    rf"^{_REMOVE}\s+{_NAMED_TAGS}\s+(?:from|off|of)\s+(?P<ref>.+)$", ignore_case=True
)


@dataclass(frozen=True)
class FieldCommand:
    ref: str
    """The words that name the task ("task 2", "the rent")."""
    slots: Slots


def field_command(sentence: str) -> FieldCommand | None:
    """ "remove the priority from task 2" -> task 2, clear priority; None if not such a one."""
    for read in _READERS:
        if command := read(sentence):
            return command
    return None


def _clear_field(sentence: str) -> FieldCommand | None:
    for pattern in _CLEAR_FIELD:
        if match := pattern.match(sentence):
            field = _FIELDS[match.group("field").lower()]
            return FieldCommand(match.group("ref"), Slots(clear=(field,)))
    for pattern, field in _CLEAR_VERB:
        if match := pattern.match(sentence):
            return FieldCommand(match.group("ref"), Slots(clear=(field,)))
    return None


def _add_tag(sentence: str) -> FieldCommand | None:
    if match := _ADD_TAG.match(sentence):
        return FieldCommand(match.group("ref"), Slots(tags=_named_tags(match)))
    return None


def _remove_tag(sentence: str) -> FieldCommand | None:
    if match := _REMOVE_TAG.match(sentence):
        return FieldCommand(match.group("ref"), Slots(untag=_named_tags(match)))
    return None


def _named_tags(match: linear.Match) -> tuple[str, ...]:
    return tags_in(match.group("before") or match.group("after") or "")


# Most specific first: "remove the tags from task 1" clears them all, "remove the shopping tag
# from task 5" takes one off.
_READERS: tuple[Callable[[str], FieldCommand | None], ...] = (_clear_field, _remove_tag, _add_tag)
