"""Parse one chat sentence into a task intent, for the offline model.

Pure: the slots are read first (offline_slots.py) and cut out; what is left is matched by
verb families, tried from the most specific (an explicit verb plus a task reference,
offline_refs.py) to the most general, so that e.g. "add a task to delete old mail" is an add
and "what have I completed?" is a list, not a completion.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeAlias

from agent.models import linear
from agent.models.offline_commands import field_command
from agent.models.offline_intent_types import (
    AddTask,
    CompleteTask,
    DeleteTask,
    Intent,
    ListTasks,
    SmallTalk,
    Unclear,
    UpdateTask,
)
from agent.models.offline_listing import ASK, parse_list, status_of
from agent.models.offline_refs import (
    PreviousTask,
    TaskId,
    TaskIds,
    parse_task_ref,
    unquote,
)
from agent.models.offline_slots import Slots, extract
from agent.models.offline_titles import title_of
from agent.models.offline_unclear import (
    fragment,
    has_fields,
    remind_about,
    target_of,
    unclear,
    what_about,
)

__all__ = [
    "AddTask",
    "CompleteTask",
    "DeleteTask",
    "Intent",
    "ListTasks",
    "SmallTalk",
    "Unclear",
    "UpdateTask",
    "parse_intent",
]

_SMART_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")

_LEAD_IN = linear.compile(
    r"^(?:(?:hey|hi|hello|ok(?:ay)?|so|and|also|now|then|alright|please|pls|kindly|"
    r"(?:can|could|would|will) you(?: please)?|i(?:'d| would) like(?: you)? to|"
    r"i want(?: you)? to|i wanna|let'?s)"
    r"\b[\s,!.]*)+",
    ignore_case=True,
)
# Linear: each repeat starts at a word, and the tail is one run of a character class that
# `_normalise` makes short (whitespace is collapsed first; punctuation runs are cut to three).
_TRAILER = linear.compile(
    r"(?:[\s,]+(?:please|pls|thanks|thank you|thx|too|as well|also|now))*[\s.!?]*$",
    ignore_case=True,
)
_GREETING = linear.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day))"
    r"(?: there| all| everyone)?$",
    ignore_case=True,
)
_THANKS = linear.compile(
    r"^(?:thanks|thank you|thx|ty|cheers|great|cool|nice|awesome|perfect|ok|okay|got it|"
    r"sounds good)(?: (?:so much|a lot|very much))?$",
    ignore_case=True,
)
_HELP = linear.compile(
    r"\b(?:help|what can you do|what do you do|how does this work|how do i use|who are you|"
    r"what are you|commands)\b",
    ignore_case=True,
)

# ---- verbs ----------------------------------------------------------------------------------

_DONE_WORDS = r"(?:complete|completed|done|finished)"
_DONE_VALUE = linear.compile(_DONE_WORDS, ignore_case=True)
_UPDATE_VERB = r"(?:change|update|set|edit|modify|rewrite)"
_UPDATE_DESCRIPTION = (
    linear.compile(
        rf"^{_UPDATE_VERB}\s+(?:the\s+)?description\s+(?:of|for|on)\s+(?P<t>.+?)\s+"
        r"(?:to|as)\s+(?P<v>.+)$",
        ignore_case=True,
    ),
    linear.compile(
        rf"^{_UPDATE_VERB}\s+(?P<t>.+?)(?:'s)?\s+description\s+(?:to|as)\s+(?P<v>.+)$",
        ignore_case=True,
    ),
    linear.compile(
        r"^(?:add|give|set)\s+(?:a\s+|the\s+)?description\s+(?:to|for|on|of)\s+(?P<t>.+?)"
        r"(?:\s*:\s*|\s+saying\s+)(?P<v>.+)$",
        ignore_case=True,
    ),
)
_UPDATE_TITLE = (
    linear.compile(
        rf"^{_UPDATE_VERB}\s+(?:the\s+)?(?:title|name)\s+(?:of|for|on)\s+(?P<t>.+?)\s+"
        r"(?:to|as)\s+(?P<v>.+)$",
        ignore_case=True,
    ),
    linear.compile(
        r"^(?:change|update|set|edit|modify|rewrite|rename|retitle)\s+(?P<t>.+?)(?:'s)?(?:\s+(?:title|name))?\s+"
        r"(?:to|as|into)\s+(?P<v>.+)$",
        ignore_case=True,
    ),
)
_DELETE = linear.compile(
    r"^(?:delete|remove|cancel|drop|erase|trash|discard|scrap|get rid of|forget(?: about)?)\s+"
    r"(?P<t>.+?)(?:\s+(?:from|off|out of)\s+(?:my|the)\s+(?:list|tasks|(?:to-?do|task) list))?$",
    ignore_case=True,
)
_COMPLETE = (
    linear.compile(
        rf"^(?:mark|set|flag|tick|check)\s+(?P<t>.+?)\s+(?:as\s+)?(?:{_DONE_WORDS}|off)$",
        ignore_case=True,
    ),
    linear.compile(
        r"^(?:complete|finish|check off|tick off|cross off|close)\s+(?P<t>.+)$", ignore_case=True
    ),
    linear.compile(
        r"^(?:i(?:'ve|'m| have| am)?\s+(?:just\s+|already\s+)?"
        r"(?:finished|completed|done with|finished with|did)|(?:done|finished) with|"
        r"(?:just\s+)?(?:finished|completed))\s+(?P<t>.+)$",
        ignore_case=True,
    ),
    linear.compile(
        rf"^(?P<t>.+?)(?:'s|\s+is|\s+was|\s+has been)\s+(?:now\s+|all\s+)?{_DONE_WORDS}$",
        ignore_case=True,
    ),
    # "task 4 done": a number needs no verb.
    linear.compile(
        rf"^(?P<t>(?:task\s+|number\s+|#)?\d{{1,9}})\s+{_DONE_WORDS}$", ignore_case=True
    ),
    # "I bought the milk": a past-tense errand names the task by its object.
    linear.compile(
        r"^i(?:'ve| have)?\s+(?:just\s+|already\s+)?(?:bought|paid|called|sent|picked up|"
        r"cleaned|fixed|washed|wrote|emailed|booked|returned|submitted|mailed)\s+(?P<t>.+)$",
        ignore_case=True,
    ),
)

_ADD = (
    linear.compile(
        r"^(?:i\s+)?(?:need|have|want|got)\s+to\s+remember\s+(?:to\s+)?(?P<x>.+)$", ignore_case=True
    ),
    linear.compile(
        r"^remind me\s+(?:to|about|of|that i (?:need|have) to)\s+(?P<x>.+)$", ignore_case=True
    ),
    linear.compile(
        r"^(?:don'?t|do not)\s+(?:let me\s+)?forget\s+(?:to|about)\s+(?P<x>.+)$", ignore_case=True
    ),
    linear.compile(
        r"^remember\s+(?:to\s+|that i (?:need to|have to|must)\s+)?(?P<x>.+)$", ignore_case=True
    ),
    linear.compile(
        r"^(?:note(?: to self)?|todo|to-do|to do|task|reminder|jot(?: this)? down|write down|"
        r"note down|don'?t forget|do not forget|remember|new (?:task|todo|to-do))\s*:\s*(?P<x>.+)$",
        ignore_case=True,
    ),
    linear.compile(
        r"^(?:note|jot down|write down|note down|remember)\s+that\s+(?:i\s+)?"
        r"(?:(?:need|have|got|ought) to|must|should|gotta)?\s*(?P<x>.+)$",
        ignore_case=True,
    ),
    linear.compile(r"^(?:jot|write|note|scribble|put)\s+down\s+(?P<x>.+)$", ignore_case=True),
    linear.compile(
        r"^(?:add|put|stick|pop|write|place|throw)\s+(?P<x>.+?)\s+(?:to|on|onto|in|into)\s+"
        r"(?:my|the)\s+(?:[\pL\pN_-]+\s+)?(?:list|tasks|todos|(?:to-?do|task) list)$",
        ignore_case=True,
    ),
    linear.compile(
        r"^add\s+(?P<x>.+?)\s+to\s+(?:my|the)\s+(?:list|tasks|todos|(?:to-?do|task) list)$",
        ignore_case=True,
    ),
    linear.compile(
        r"^(?:add|create|make|new|put|save|log|record|set up)\s+(?:me\s+)?"
        r"(?:a\s+|an\s+|another\s+|one more\s+)?(?:new\s+)?(?:task|todo|to-do|item|reminder|entry)"
        r"\b\s*(?:(?:to|for|about|called|named|titled|that says|saying|:|-)\s*)?(?P<x>.*)$",
        ignore_case=True,
    ),
    linear.compile(r"^add\s+(?P<x>.+)$", ignore_case=True),
)
# Tried only after list and help, so "I need to see my tasks" stays a list request.
_ADD_LOOSE = linear.compile(
    r"^(?:i\s+)?(?:(?:need|have|got) to|must|should|gotta)\s+(?P<x>.+)$", ignore_case=True
)
_DESCRIPTION = (
    linear.compile(
        r"^(?P<title>.+?)\s+(?:with|and)\s+(?:the\s+|a\s+)?(?:description|details|notes?)\s*:?\s*"
        r"(?P<d>.+)$",
        ignore_case=True,
    ),
    linear.compile(r"^(?P<title>[^:]+?):\s+(?P<d>.+)$"),
)


def parse_intent(text: str, now: datetime | None = None) -> Intent:
    """Map a person's sentence to what the offline model should do about it.

    `now` (aware, in the user's zone) is what "tomorrow" and "Friday" are read against."""
    asked = text.rstrip().endswith("?")
    sentence = _normalise(text)
    if not sentence or _GREETING.match(sentence):
        return SmallTalk("greeting" if sentence else "help")
    if _THANKS.match(sentence):
        return SmallTalk("thanks")
    sentence = _LEAD_IN.sub("", sentence) or sentence
    if (command := field_command(sentence)) and (target := parse_task_ref(command.ref)):
        return UpdateTask(target, slots=command.slots)
    slots, rest = extract(sentence, now or datetime.now(UTC))
    if slots.tag_target is not None and (target := parse_task_ref(slots.tag_target)):
        return UpdateTask(target, slots=slots)
    if not rest.strip() and has_fields(slots):
        return SmallTalk("unknown")  # "p1", "tomorrow": a field, but of what?
    rest = _LEAD_IN.sub("", rest) or rest or sentence
    for step in _STEPS:
        if (intent := step(rest, slots, asked)) is not None:
            return _with_slots(intent, slots)
    return SmallTalk("unknown")


def _with_slots(intent: Intent, slots: Slots) -> Intent:
    if isinstance(intent, ListTasks):
        # The list parser reads a tag from "my work tasks"; tags said outright come first.
        return replace(intent, slots=replace(slots, tags=slots.tags or intent.slots.tags))
    if isinstance(intent, UpdateTask):
        return replace(intent, slots=_for_update(slots))
    if isinstance(intent, AddTask):
        instead = replace(intent.instead, slots=_for_update(slots)) if intent.instead else None
        return replace(intent, slots=slots, instead=instead)
    return intent


def _for_update(slots: Slots) -> Slots:
    """ "remind me about task 4 on friday": a reminder for a task sets when to remind, not
    when it is due (a new task gets both: "remind me to call mom at 6pm")."""
    if not slots.reminding or slots.due is None:
        return slots
    remind = slots.remind or slots.due.replace(hour=9, minute=0, second=0)
    return replace(slots, due=None, remind=remind)


Step: TypeAlias = Callable[[str, Slots, bool], Intent | None]


def _parse_set_fields(sentence: str, slots: Slots, asked: bool) -> Intent | None:
    """ "make task 1 high priority", "move the rent to friday": the slots are the change."""
    if slots == Slots():
        return None
    match = _SET_FIELDS.match(sentence)
    target = target_of(match.group("t")) if match else None
    return UpdateTask(target) if target is not None else None


def _parse_slot_question(sentence: str, slots: Slots, asked: bool) -> Intent | None:
    """ "what's due tomorrow?": a question with fields asks for a list."""
    return ListTasks(status_of(sentence)) if slots != Slots() and ASK.match(sentence) else None


def _parse_help(sentence: str, slots: Slots, asked: bool) -> Intent | None:
    return SmallTalk("help") if _HELP.search(sentence) else None


def _parse_add_loose(sentence: str, slots: Slots, asked: bool) -> Intent | None:
    match = _ADD_LOOSE.match(sentence)
    return _add_intent(match.group("x")) if match else None


def _verb_only(parse: Callable[[str], Intent | None]) -> Step:
    return lambda sentence, slots, asked: parse(sentence)


_SET_FIELDS = linear.compile(
    r"^(?:make|set|mark|move|push|reschedule|postpone|change|update|flag|put|bump)\s+"
    r"(?P<t>.+?)(?:\s+(?:as|to|for|into))?$",
    ignore_case=True,
)


def _normalise(text: str) -> str:
    text = text.translate(_SMART_QUOTES)
    # Python's `re` here, on purpose: one run of a class is linear, and its `\s` knows every
    # Unicode space, so the RE2 patterns after it only ever see " ".
    text = re.sub(r"\s+", " ", text).strip()
    return _TRAILER.sub("", text)


_CALLED = linear.compile(
    r"^(?P<t>.+?)\s+(?:should|must|needs to|can)\s+be\s+"
    r"(?:called|named|titled|renamed(?:\s+to)?)\s+(?P<v>.+)$",
    ignore_case=True,
)


def _parse_update(sentence: str) -> Intent | None:
    match = _CALLED.match(sentence)
    target = parse_task_ref(match.group("t")) if match else None
    if match and target is not None:
        return UpdateTask(target, title=title_of(match.group("v")))
    for pattern in _UPDATE_DESCRIPTION:
        match = pattern.match(sentence)
        target = parse_task_ref(match.group("t")) if match else None
        if match and target is not None:
            return UpdateTask(target, description=unquote(match.group("v")))
    for pattern in _UPDATE_TITLE:
        match = pattern.match(sentence)
        target = parse_task_ref(match.group("t")) if match else None
        if match and target is not None:
            value = unquote(match.group("v"))
            if _DONE_VALUE.fullmatch(value):
                return CompleteTask(target)
            return UpdateTask(target, title=title_of(value)) if value else None
    return None


def _parse_delete(sentence: str) -> Intent | None:
    match = _DELETE.match(sentence)
    target = parse_task_ref(match.group("t")) if match else None
    return DeleteTask(target) if target is not None else None


def _parse_complete(sentence: str) -> Intent | None:
    for pattern in _COMPLETE:
        match = pattern.match(sentence)
        target = parse_task_ref(match.group("t")) if match else None
        if target is not None:
            return CompleteTask(target)
    return None


def _parse_add(sentence: str) -> Intent | None:
    if _NOT_AN_ADD.match(sentence):
        return None
    for pattern in _ADD:
        if match := pattern.match(sentence):
            return _add_intent(match.group("x"))
    return None


# "add 'urgent' to task 4" changes task 4 somehow; it is no new task.
_TO_A_TASK = linear.compile(r"\s(?:to|on|for|onto)\s+(?:task\s*|#)\d{1,9}$", ignore_case=True)
# "make task 1 …" is about task 1, whatever follows; it never creates "1 …".
_NOT_AN_ADD = linear.compile(
    r"^(?:make|set|mark|put|save|log|record|flag)\s+(?:the\s+)?(?:task|todo|item|number)\s+#?\d",
    ignore_case=True,
)


def _add_intent(rest: str) -> Intent | None:
    """A new task's title and description; None when the words name a task ("add it")."""
    if isinstance(parse_task_ref(rest), TaskId | TaskIds | PreviousTask) or _TO_A_TASK.search(rest):
        return None
    description = None
    for pattern in _DESCRIPTION:
        if match := pattern.match(rest.strip()):
            rest, description = match.group("title"), unquote(match.group("d")) or None
            break
    title = title_of(rest)
    if not title or _BARE_NOUN.fullmatch(title):
        return SmallTalk("ask_title")
    return AddTask(title, description)


_BARE_NOUN = linear.compile(r"(?:a |an |new )*(?:task|todo|item|reminder)s?", ignore_case=True)


# What a sentence may be, most specific first: the first step that reads it decides. A new
# kind of request is a new step here (and its intent in offline_intent_types.py).
_STEPS: tuple[Step, ...] = (
    what_about,
    remind_about,
    _parse_set_fields,
    _verb_only(_parse_update),
    _verb_only(_parse_delete),
    _verb_only(_parse_complete),
    _verb_only(_parse_add),
    _verb_only(parse_list),
    _parse_slot_question,
    _parse_help,
    _parse_add_loose,
    fragment,
    unclear,
)
