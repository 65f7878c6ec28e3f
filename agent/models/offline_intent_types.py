"""What the offline model can make of a sentence: one intent per kind of request.

Add a kind here and a parsing step to `offline_intents._STEPS` (and what to do about it in
offline_replies.py) to teach the model a new request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from agent.models.offline_refs import ListStatus, TaskRef
from agent.models.offline_slots import Slots

SmallTalkKind: TypeAlias = Literal["greeting", "thanks", "help", "ask_title", "unknown"]


@dataclass(frozen=True)
class UpdateTask:
    target: TaskRef
    title: str | None = None
    description: str | None = None
    slots: Slots = field(default_factory=Slots)


@dataclass(frozen=True)
class AddTask:
    title: str
    description: str | None = None
    slots: Slots = field(default_factory=Slots)
    unless_named: str | None = None
    """A guess ("buy batteries #errands" has no verb): look these words up first; if they name
    a task, do `instead` to it, or ask, and add nothing."""
    instead: UpdateTask | None = None


@dataclass(frozen=True)
class ListTasks:
    status: ListStatus = "all"
    query: str | None = None
    slots: Slots = field(default_factory=Slots)


@dataclass(frozen=True)
class CompleteTask:
    target: TaskRef


@dataclass(frozen=True)
class DeleteTask:
    target: TaskRef


@dataclass(frozen=True)
class Unclear:
    """A task is named ("task 1", "it", "the milk") but not what to do with it: ask, change
    nothing."""

    target: TaskRef


@dataclass(frozen=True)
class SmallTalk:
    """No tool call: a greeting, thanks, a help request, or a sentence not understood."""

    kind: SmallTalkKind


Intent: TypeAlias = (
    AddTask | ListTasks | CompleteTask | DeleteTask | UpdateTask | Unclear | SmallTalk
)
