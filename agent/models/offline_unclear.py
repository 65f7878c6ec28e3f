"""Sentences without a clear verb, read so that a guess never changes anything.

- "task 4 p1", "the rent is due on monday": fields and a task, no verb: an update.
- "buy batteries #errands": fields and words that are not a task reference: probably a new
  task, but only a guess, so the words are looked up first (`AddTask.unless_named`).
- "task 1", "milk", "what about it?", "task 4 tomorrow?": a task is named but not what to do
  with it: `Unclear`, which asks and changes nothing.

Every pattern is linear (RE2).
"""

from __future__ import annotations

from agent.models import linear
from agent.models.offline_intent_types import AddTask, Intent, Unclear, UpdateTask
from agent.models.offline_refs import (
    PreviousTask,
    TaskId,
    TaskIds,
    TaskName,
    TaskRef,
    TaskSet,
    parse_task_ref,
)
from agent.models.offline_slots import Slots
from agent.models.offline_titles import title_of

# The words around a task reference once the slots are cut out: "set a deadline of for task
# 5", "due date for task 4:", "the rent is", "priority for task 4".
_EDGES = (
    linear.compile(
        r"^(?:(?:set|make|give|put|add|change|update)\s+)?(?:(?:a|an|the|its|new)\s+)*"
        r"(?:deadline|due date|due|date|reminder|priority|tags?|labels?|recurrence|repeat)\b"
        r"\s*(?:of|for|on|to|at|:)?\s*",
        ignore_case=True,
    ),
    linear.compile(r"^(?:for|on|of|to|at|about|is|are|does|do|has)\s+", ignore_case=True),
    linear.compile(
        r"\s*(?:\s(?:is|are|was|as|to|to be|be|should(?: be)?|must(?: be)?|needs to(?: be)?|now|"
        r"again|then)|'s|:|-|,)$",
        ignore_case=True,
    ),
)
# A reference that is not a title's words: a number, several, "it", "the …" / "my …".
_REF_START = linear.compile(
    r"^(?:(?:task|todo|item|number|no\.?)\s+|#)?\d|^(?:the|my|that|this|it)\b", ignore_case=True
)
_WHAT_ABOUT = linear.compile(
    r"^(?:(?:and|so)\s+)?(?:what|how)\s+about\s+(?P<t>.+)$", ignore_case=True
)
_REMIND_ABOUT = linear.compile(
    r"^(?:remind|ping|alert|notify|nudge)\s+me\s+(?:about|of|regarding|re)\s+(?P<t>.+)$",
    ignore_case=True,
)
_INTERJECTIONS = linear.compile(
    r"^(?:(?:and|so|hmm+|um+|uh+|erm|well|oh|ok|okay|right)\b[\s,.!]*)+", ignore_case=True
)
_AFTERTHOUGHT = linear.compile(r"[\s,]+(?:again|then|now|too|also|one)$", ignore_case=True)
_NUMBERED = linear.compile(r"(?:\btask|\bnumber|\bitem|#)\s*#?(\d{1,9})\b", ignore_case=True)
_QUESTION_WORD = linear.compile(
    r"^(?:what|whats|what's|who|whom|why|how|when|where|which|can|could|will|would|do|does|is|"
    r"are|should|tell|give|i|i'm|im|you|your|my|we|it's|its)\b",
    ignore_case=True,
)
_PLURAL_PRONOUN = linear.compile(
    r"^(?:both|them|they|these|those|the others|the rest)(?:\s+(?:are|should be|need to be))?$",
    ignore_case=True,
)
_WORD = linear.compile(r"[\pL\pN'_-]+")
_SHORT_WORDS = 4


def target_of(text: str) -> TaskRef | None:
    """The task a verb's object names once field words are cut off ("a deadline of for task
    5" -> task 5), or None."""
    for edge in (*_EDGES, *_EDGES):
        text = edge.sub("", text.strip())
    return parse_task_ref(text) if text else None


def what_about(sentence: str, slots: Slots, asked: bool) -> Intent | None:
    """ "what about the rent?", "and task 4?": a task named, nothing asked of it."""
    match = _WHAT_ABOUT.match(sentence)
    target = parse_task_ref(match.group("t")) if match else None
    return Unclear(target) if target is not None and not isinstance(target, TaskSet) else None


def remind_about(sentence: str, slots: Slots, asked: bool) -> Intent | None:
    """ "remind me about task 4 at 9am" sets a reminder on task 4; "remind me about the rent"
    on the task called so, or, if none is, adds one."""
    match = _REMIND_ABOUT.match(sentence)
    target = parse_task_ref(match.group("t")) if match else None
    if match is None or target is None or isinstance(target, TaskSet):
        return None
    if isinstance(target, TaskName):
        title = title_of(match.group("t"))
        return AddTask(title, unless_named=target.query, instead=UpdateTask(target))
    return UpdateTask(target)


def fragment(sentence: str, slots: Slots, asked: bool) -> Intent | None:
    """Fields with no verb: "task 4 p1" updates task 4; "buy batteries #errands" is a new
    task unless those words name one; a question ("task 4 tomorrow?") only asks."""
    if not has_fields(slots):
        return None
    target = target_of(sentence)
    if isinstance(target, TaskSet) or _PLURAL_PRONOUN.match(sentence):
        # "everything urgent", "both tomorrow": a change to many, or a list? Ask.
        return Unclear(target if isinstance(target, TaskSet) else TaskSet())
    if not _REF_START.match(_strip_edges(sentence)):
        target = None
    if target is not None:
        # "the dentist friday": a day next to a task says neither due nor remind: ask.
        only_a_day = slots == Slots(due=slots.due) and slots.due is not None
        return Unclear(target) if asked or only_a_day else UpdateTask(target)
    if numbered := _numbered(sentence):
        return Unclear(numbered)  # "lower task 2 to medium": about task 2, not a new task
    title = title_of(sentence)
    if asked or not title or _REF_START.match(sentence):
        return None
    return AddTask(title, unless_named=title)


def unclear(sentence: str, slots: Slots, asked: bool) -> Intent | None:
    """A task named without a verb that says what to do: "task 1", "it", "milk"."""
    text = _AFTERTHOUGHT.sub("", _INTERJECTIONS.sub("", sentence)).strip()
    target = parse_task_ref(text) if text else None
    if isinstance(target, TaskId | TaskIds | PreviousTask):
        return Unclear(target)
    if numbered := _numbered(sentence):
        return Unclear(numbered)
    words = _WORD.findall(text[:200])
    if not words or len(words) > _SHORT_WORDS or _QUESTION_WORD.match(text):
        return None
    return Unclear(target) if isinstance(target, TaskName) else None


def _numbered(sentence: str) -> TaskId | TaskIds | None:
    """The tasks a sentence names by number anywhere in it ("do something with task 2")."""
    numbers = tuple(dict.fromkeys(int(n) for n in _NUMBERED.findall(sentence[:200])))
    if not numbers:
        return None
    return TaskId(numbers[0]) if len(numbers) == 1 else TaskIds(numbers)


def has_fields(slots: Slots) -> bool:
    """Something a task holds was said (not only how to list: "by priority", "overdue")."""
    return any((slots.priority, slots.tags, slots.due, slots.recurrence, slots.remind, slots.clear))


def _strip_edges(text: str) -> str:
    for edge in _EDGES:
        text = edge.sub("", text.strip())
    return text
