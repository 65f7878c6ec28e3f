"""Which task or tasks a phrase names, for the offline model: a number ("task 3", "#3",
"three"), several ("2 and 4"), the previous result ("it", "that one"), words of a title ("the
meeting task") or a filter ("all the shopping tasks", "everything that's done")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from agent.models import linear

ListStatus: TypeAlias = Literal["all", "pending", "completed"]


@dataclass(frozen=True)
class TaskId:
    """A task named by its number: "task 3"."""

    task_id: int


@dataclass(frozen=True)
class TaskName:
    """A task named by words from its title: "the meeting task" -> query "meeting"."""

    query: str


@dataclass(frozen=True)
class PreviousTask:
    """ "it", "that one": the single task the previous tool result named."""


@dataclass(frozen=True)
class TaskIds:
    """Several tasks by number: "2 and 4"."""

    task_ids: tuple[int, ...]


@dataclass(frozen=True)
class TaskSet:
    """Every task that fits: "all the shopping tasks", "everything that's done"."""

    status: ListStatus = "all"
    words: tuple[str, ...] = ()


TaskRef: TypeAlias = TaskId | TaskName | PreviousTask | TaskIds | TaskSet

PENDING = linear.compile(
    r"\b(?:pending|incomplete|unfinished|uncompleted|undone|open|outstanding|left|remaining|"
    r"still|not (?:yet )?(?:done|finished|completed?)|(?:need|have|left) to do)\b",
    ignore_case=True,
)
COMPLETED = linear.compile(
    r"\b(?:completed?|done|finished|finish|accomplished|(?:checked|ticked|crossed) off)\b",
    ignore_case=True,
)

_NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}
_ID_REF = linear.compile(
    r"^(?:the\s+)?(?:task|todo|to-do|item)?\s*(?:number|no\.?)?\s*#?\s*(\d+)$", ignore_case=True
)
_WORD_ID_REF = linear.compile(
    r"^(?:the\s+)?(?:task|todo|item|number)\s+([a-z]+)$", ignore_case=True
)
_PREVIOUS_REF = linear.compile(
    r"^(?:it|that|this|that one|this one|that task|this task|the same (?:one|task)|"
    r"the (?:last|latest|previous|new|newest) (?:one|task)|the one|"
    r"the (?:one|task) (?:i|you) just (?:added|created|made|mentioned|listed|completed))$",
    ignore_case=True,
)
# Plural or vague targets ("all tasks", "2 and 3", "what") are not one task.
_NOT_ONE_TASK = linear.compile(
    r"\b(?:tasks|todos|all|every|everything|them|both|rest)\b|\d\s*(?:,|and|&)\s*#?\d|"
    r"^(?:what|which|who|anything|nothing|something|(?:my |the )?(?:to-?do |task )?list)$",
    ignore_case=True,
)
_NAME_EDGES = (
    linear.compile(
        r"\s+(?:from|off|on|out of)\s+(?:my|the)\s+(?:to-?do |task )?list$", ignore_case=True
    ),
    linear.compile(r"^(?:the|my|a|an)\s+", ignore_case=True),
    linear.compile(
        r"^(?:task|todo|to-do|item|one)\b\s*(?:called|named|titled|about|for|to|that says|"
        r"saying)?\s*:?\s*",
        ignore_case=True,
    ),
    linear.compile(r"\s+(?:task|todo|to-do|item|one)$", ignore_case=True),
    linear.compile(r"^(?:the|my|a|an)\s+", ignore_case=True),
)


_ID_LIST = linear.compile(
    r"^(?:the\s+)?(?:tasks?\s+|numbers?\s+|#)?\d{1,9}(?:(?:\s*,\s*|\s+and\s+|\s*&\s*)(?:#|task\s+)?"
    r"\d{1,9}){1,19}$",
    ignore_case=True,
)
_ALL = linear.compile(r"\b(?:all|every|everything|each)\b", ignore_case=True)
_SET_FILLER = frozenset(
    "all every everything each of the my tasks task todos todo items item ones one that thats "
    "that's which are is were have been i ve i've on list from off in".split()
)


_SET_WORD = linear.compile(r"[\pL\pN_'-]+")
_NUMBER = linear.compile(r"\d{1,9}")


def parse_task_set(text: str) -> TaskSet | None:
    """ "all the shopping tasks", "everything that's done": a filter over the tasks."""
    if not _ALL.search(text):
        return None
    status: ListStatus = "all"
    if PENDING.search(text):
        status = "pending"
    elif COMPLETED.search(text):
        status = "completed"
    words = [
        word
        # A filter is a few words ("all the shopping tasks"); a bound keeps a long one cheap.
        for word in _SET_WORD.findall(text[:200].lower())
        if word not in _SET_FILLER and not PENDING.fullmatch(word) and not COMPLETED.fullmatch(word)
    ]
    return TaskSet(status, tuple(words))


def parse_task_ref(text: str) -> TaskRef | None:
    """Read "task 3", "#3", "it", "the meeting task" into a reference; None if not one task."""
    text = text.strip()
    if match := _ID_REF.match(text):
        return TaskId(int(match.group(1)))
    if (match := _WORD_ID_REF.match(text)) and match.group(1).lower() in _NUMBER_WORDS:
        return TaskId(_NUMBER_WORDS[match.group(1).lower()])
    if _PREVIOUS_REF.match(text):
        return PreviousTask()
    if match := _ID_LIST.match(text):
        numbers = _NUMBER.findall(match.group(0))
        return TaskIds(tuple(dict.fromkeys(map(int, numbers))))
    if not text or _NOT_ONE_TASK.search(text):
        return parse_task_set(text)
    for edge in _NAME_EDGES:
        text = edge.sub("", text)
    query = unquote(text)
    return TaskName(query) if query else None


def unquote(text: str) -> str:
    text = text.strip().rstrip(".!?,;: ").strip()
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
        text = text[1:-1].strip()
    return text.strip("\"'` ").strip()
