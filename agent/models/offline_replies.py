"""What the offline model does next in a turn.

Pure: given the person's newest sentence, the turn's situation (their local time, the tool
limits) and this turn's tool results so far, return one tool call, a sentence plus a tool
call (saying what a request about several tasks will do), or the final answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from agent.models.offline_answers import (
    ANYTHING_ELSE,
    ASK_CHANGE,
    ASK_WHICH,
    SMALL_TALK,
    ToolCall,
    ToolResult,
    ask_what_to_do,
    ask_which_to_change,
    json_object,
    line,
    render,
    tasks_of,
)
from agent.models.offline_arguments import (
    add_arguments,
    has_changes,
    list_arguments,
    update_arguments,
)
from agent.models.offline_intents import (
    AddTask,
    CompleteTask,
    DeleteTask,
    Intent,
    ListTasks,
    SmallTalk,
    Unclear,
    UpdateTask,
    parse_intent,
)
from agent.models.offline_matching import matching_set, matching_title
from agent.models.offline_refs import (
    PreviousTask,
    TaskId,
    TaskIds,
    TaskName,
    TaskRef,
    TaskSet,
    parse_task_ref,
)
from agent.models.offline_situation import Situation, read_situation

_Targeted: TypeAlias = CompleteTask | DeleteTask | UpdateTask


@dataclass(frozen=True)
class Say:
    """Words for the person, then tool calls, in one model response."""

    text: str
    calls: tuple[ToolCall, ...]


@dataclass(frozen=True)
class Turn:
    user_text: str | None
    """The person's newest message; None when the input holds no user message."""
    previous_output: str | None = None
    """The newest tool output before that message: what "it" and "that one" refer to."""
    previous_request: str | None = None
    """The person's previous message, when `previous_output` answered it."""
    results: list[ToolResult] = field(default_factory=list)
    """This turn's tool calls with their outputs, oldest first."""
    answered: bool = False
    """An assistant message already follows the person's message."""
    situation: Situation = field(default_factory=lambda: read_situation(None))


Step: TypeAlias = ToolCall | Say | str


def next_step(turn: Turn) -> Step:
    """One tool call to make next, or the final answer text."""
    if turn.user_text is None:
        return SMALL_TALK["help"]
    intent = parse_intent(turn.user_text, turn.situation.now)
    if turn.results:
        return _after_tools(intent, turn)
    if turn.answered:
        return ANYTHING_ELSE
    choice = _choice_after_question(turn.user_text, intent, turn)
    if choice is not None:
        return choice
    previous_task_id = task_named_by(turn.previous_output) if turn.previous_output else None
    return _first_step(intent, previous_task_id, turn.situation)


def task_named_by(output: str) -> int | None:
    """The id of the single live task a tool output names ("it", "that one"), if exactly one."""
    data = json_object(output)
    if data is None:
        return None
    if type(data.get("task_id")) is int and data.get("status") != "deleted":
        return int(data["task_id"])
    tasks = tasks_of(data)
    return int(tasks[0]["id"]) if len(tasks) == 1 else None


def _first_step(intent: Intent, previous_task_id: int | None, situation: Situation) -> Step:
    if isinstance(intent, SmallTalk):
        return SMALL_TALK[intent.kind]
    if isinstance(intent, AddTask) and intent.unless_named is not None:
        return ToolCall("list_tasks", {"status": "all", "query": intent.unless_named})
    if isinstance(intent, AddTask):
        return ToolCall("add_task", add_arguments(intent, situation.now))
    if isinstance(intent, Unclear):
        return _ask_unclear(intent.target, previous_task_id)
    if isinstance(intent, ListTasks):
        return ToolCall("list_tasks", list_arguments(intent))
    if isinstance(intent, UpdateTask) and not has_changes(intent):
        return ASK_CHANGE
    target = intent.target
    if isinstance(target, TaskName):
        return ToolCall("list_tasks", {"status": _lookup_status(intent), "query": target.query})
    if isinstance(target, TaskSet):
        status = "pending" if isinstance(intent, CompleteTask) else target.status
        return ToolCall("list_tasks", {"status": status})
    if isinstance(intent, UpdateTask) and (intent.slots.tags or intent.slots.untag):
        # update_task replaces a task's tags: look its current ones up to keep them.
        return ToolCall("list_tasks", {"status": "all"})
    if isinstance(target, TaskIds):
        return _next_of_several(intent, list(target.task_ids), [], situation)
    task_id = target.task_id if isinstance(target, TaskId) else previous_task_id
    if task_id is None:
        return ASK_WHICH
    return _action(intent, task_id, situation)


def _choice_after_question(text: str, intent: Intent, turn: Turn) -> Step | None:
    """ "3" in reply to "Several tasks match …, which one?": finish the action asked before.

    Only a bare task number, only one of the ids just offered, and only when the previous
    turn ended on that lookup, so a stray number never acts on anything.
    """
    bare = isinstance(intent, SmallTalk | Unclear)  # "2" alone names a task, nothing more
    ref = parse_task_ref(text.strip().rstrip(".!?")) if bare else None
    if not isinstance(ref, TaskId) or turn.previous_request is None or not turn.previous_output:
        return None
    named = _named_target(parse_intent(turn.previous_request, turn.situation.now))
    offered = [task["id"] for task in tasks_of(json_object(turn.previous_output) or {})]
    if named is None or len(offered) < 2 or ref.task_id not in offered:
        return None
    return _action(named[0], ref.task_id, turn.situation)


def _after_tools(intent: Intent, turn: Turn) -> Step:
    results = turn.results
    lookups = 0
    while lookups < len(results) and results[lookups].call.name == "list_tasks":
        lookups += 1
    acted = results[lookups:]
    if isinstance(intent, Unclear) and not acted:
        return _unclear_after_lookup(results[0])
    if isinstance(intent, AddTask) and intent.unless_named is not None:
        # The lookup was the model's own check, not something asked for: tell what was done.
        if acted:
            return "\n".join(map(render, acted))
        return _add_unless_named(intent, results[0], turn.situation)
    if not isinstance(intent, CompleteTask | DeleteTask | UpdateTask):
        return "\n".join(map(render, results))
    target = intent.target
    if isinstance(target, TaskIds):
        seen = tasks_of(results[0].data or {}) if lookups else []
        return _next_of_several(intent, list(target.task_ids), acted, turn.situation, seen)
    if isinstance(target, TaskSet) and lookups == 1:
        return _bulk(intent, target, results[0], acted, turn.situation)
    if not lookups:
        return "\n".join(map(render, results))
    if acted:
        # The lookup list is a means, not the answer: report only the action taken on it.
        return "\n".join(map(render, acted))
    if isinstance(target, TaskName):
        return _after_lookup(intent, target.query, results[-1], lookups, turn.situation)
    task_id = target.task_id if isinstance(target, TaskId) else None
    if isinstance(target, PreviousTask) and turn.previous_output:
        task_id = task_named_by(turn.previous_output)
    if isinstance(intent, UpdateTask) and task_id is not None:
        seen = tasks_of(results[0].data or {})
        if not any(task.get("id") == task_id for task in seen):
            # Its tags are unknown, and update_task would replace them: change nothing.
            return f"I couldn't find task {task_id} among your tasks, so I changed nothing."
        return _action(intent, task_id, turn.situation, seen)
    return "\n".join(map(render, results))


def _ask_unclear(target: TaskRef, previous_task_id: int | None) -> Step:
    """A task named, nothing asked of it: ask (looking a name up first), change nothing."""
    if isinstance(target, TaskName):
        return ToolCall("list_tasks", {"status": "all", "query": target.query})
    if isinstance(target, TaskIds):
        return ask_what_to_do("tasks " + _spoken_list(list(target.task_ids)), several=True)
    if isinstance(target, TaskSet):
        return ask_what_to_do("those tasks", several=True)
    task_id = target.task_id if isinstance(target, TaskId) else previous_task_id
    return ask_what_to_do(f"task {task_id}") if task_id is not None else ASK_WHICH


def _unclear_after_lookup(lookup: ToolResult) -> str:
    matches = tasks_of(lookup.data) if lookup.data is not None else []
    if not matches:
        return SMALL_TALK["unknown"]
    listing = "\n".join(line(task) for task in matches)
    if len(matches) == 1:
        return f"{listing}\n" + ask_what_to_do(f"task {matches[0]['id']}")
    return f"{listing}\nWhich one do you mean, and what should I do with it?"


def _add_unless_named(intent: AddTask, lookup: ToolResult, situation: Situation) -> Step:
    """A guessed new task: add it only when its words name no task; do `instead` to the one
    they name, or ask."""
    if lookup.data is None:
        return render(lookup)
    matches = tasks_of(lookup.data)
    if not matches:
        return ToolCall("add_task", add_arguments(intent, situation.now))
    if intent.instead is not None and len(matches) == 1:
        return _action(intent.instead, int(matches[0]["id"]), situation, matches)
    return ask_which_to_change(matches, intent.title)


def _named_target(intent: Intent) -> tuple[_Targeted, str] | None:
    if isinstance(intent, CompleteTask | DeleteTask | UpdateTask) and isinstance(
        intent.target, TaskName
    ):
        return intent, intent.target.query
    return None


def _after_lookup(
    intent: _Targeted, query: str, lookup: ToolResult, lookups: int, situation: Situation
) -> Step:
    if lookup.data is None:
        return render(lookup)
    matches = matching_title(tasks_of(lookup.data), query, exact_search=lookups == 1)
    if len(matches) == 1:
        return _action(intent, int(matches[0]["id"]), situation, matches)
    if not matches and lookups == 1:
        # No title holds those words as written ("paying rent"): look wider, match by stems.
        return ToolCall("list_tasks", {"status": _lookup_status(intent)})
    if not matches:
        kind = "pending task" if _lookup_status(intent) == "pending" else "task"
        return f'I couldn\'t find a {kind} matching "{query}".'
    listing = "\n".join(line(task) for task in matches)
    return (
        f'Several tasks match "{query}":\n{listing}\n'
        "Which one do you mean? Please tell me its number."
    )


def _bulk(
    intent: _Targeted,
    target: TaskSet,
    lookup: ToolResult,
    acted: list[ToolResult],
    situation: Situation,
) -> Step:
    """ "delete everything that's done": one call per fitting task, within the turn's limits."""
    if lookup.data is None:
        return render(lookup)
    fitting = matching_set(tasks_of(lookup.data), target.words)
    if isinstance(intent, CompleteTask):
        fitting = [task for task in fitting if not task.get("completed")]
    if not fitting:
        return "No tasks fit that, so I left everything as it was."
    ids = [int(task["id"]) for task in fitting]
    return _next_of_several(intent, ids, acted, situation, fitting)


def _next_of_several(
    intent: _Targeted,
    task_ids: list[int],
    acted: list[ToolResult],
    situation: Situation,
    seen: Sequence[dict[str, Any]] = (),
) -> Step:
    cap = _cap(intent, situation)
    chosen = task_ids[:cap]
    if not chosen:
        return "One chat message can't do that here: the limit for it is zero."
    if not acted:
        # All calls in one response: one model call for any number of tasks, so a long
        # list never runs into the limit on model calls per turn (CHAT_MAX_TURNS).
        calls = tuple(_action(intent, task_id, situation, seen) for task_id in chosen)
        return Say(_announce(intent, chosen, len(task_ids)), calls)
    answer = "\n".join(map(render, acted))
    left = task_ids[cap:]
    if left:
        numbers = ", ".join(map(str, left))
        answer += f"\nI stopped at the limit for one message; ask again for the rest ({numbers})."
    return answer


def _cap(intent: _Targeted, situation: Situation) -> int:
    # One call went to the lookup; deletions have their own, lower limit.
    calls = max(situation.max_calls - 1, 1)
    return min(calls, situation.max_deletions) if isinstance(intent, DeleteTask) else calls


_PLANS = {
    CompleteTask: "mark {tasks} as complete",
    DeleteTask: "delete {tasks}",
    UpdateTask: "update {tasks}",
}


def _announce(intent: _Targeted, chosen: list[int], total: int) -> str:
    tasks = ("task " if len(chosen) == 1 else "tasks ") + _spoken_list(chosen)
    plan = _PLANS[type(intent)].format(tasks=tasks)
    if total > len(chosen):
        return f"{total} tasks fit; one message can do {len(chosen)}, so I'll {plan} now.\n"
    return f"I'll {plan}.\n"


def _spoken_list(numbers: list[int]) -> str:
    words = list(map(str, numbers))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _action(
    intent: _Targeted, task_id: int, situation: Situation, seen: Sequence[dict[str, Any]] = ()
) -> ToolCall:
    """The call for one task; `seen`: the tasks this turn listed (whose tags to keep)."""
    if isinstance(intent, CompleteTask):
        return ToolCall("complete_task", {"task_id": task_id})
    if isinstance(intent, DeleteTask):
        return ToolCall("delete_task", {"task_id": task_id})
    current = next((task.get("tags") for task in seen if task.get("id") == task_id), None)
    kept = [str(tag) for tag in current] if isinstance(current, list) else []
    return ToolCall("update_task", update_arguments(intent, task_id, kept))


def _lookup_status(intent: _Targeted) -> str:
    # Completing targets open tasks only, so a finished namesake does not make it ambiguous.
    return "pending" if isinstance(intent, CompleteTask) else "all"
