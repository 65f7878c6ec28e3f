"""Tool arguments from an understood sentence, named and shaped as docs/api.md §7 and §18
say; dates as ISO 8601 with the user's offset."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from agent.models.offline_dates import end_of_day, iso
from agent.models.offline_intents import AddTask, ListTasks, UpdateTask
from agent.models.offline_slots import TAGS_MAX, Slots

CLEAR = "none"


def add_arguments(intent: AddTask, now: datetime) -> dict[str, Any]:
    slots = intent.slots
    if slots.recurrence is not None and slots.due is None:
        # A repeat starts somewhere: today, unless a day was named. (Not on update: the task
        # may have its own due date already.)
        slots = replace(slots, due=end_of_day(now))
    return {
        **compact(title=intent.title, description=intent.description),
        **field_arguments(slots),
    }


def update_arguments(
    intent: UpdateTask, task_id: int, current_tags: list[str] | None = None
) -> dict[str, Any]:
    """`current_tags`: the task's tags now, kept ahead of the new ones ("tag it as work" adds
    a tag, and update_task replaces the list)."""
    slots = intent.slots
    if slots.tags and current_tags:
        merged = tuple(dict.fromkeys([*current_tags, *slots.tags]))[:TAGS_MAX]
        slots = replace(slots, tags=merged)
    if slots.untag:
        left = [tag for tag in current_tags or [] if tag.casefold() not in slots.untag]
        slots = replace(slots, tags=tuple(left), clear=() if left else ("tags",))
    return {
        "task_id": task_id,
        **compact(title=intent.title, description=intent.description),
        **field_arguments(slots),
    }


def list_arguments(intent: ListTasks) -> dict[str, Any]:
    slots = intent.slots
    status = intent.status
    if slots.due is not None and status == "all":
        status = "pending"  # "what's due this week?" asks what is still to do by then
    return compact(
        status=status,
        query=intent.query,
        priority=slots.priority,
        tag=slots.tags[0] if slots.tags else None,
        due_before=iso(slots.due) if slots.due else None,
        overdue=True if slots.overdue else None,
        sort=slots.sort,
    )


def field_arguments(slots: Slots) -> dict[str, Any]:
    """priority, tags, due, recurrence and remind for add_task/update_task."""
    due = slots.due
    given = compact(
        priority=slots.priority,
        tags=list(slots.tags) if slots.tags else None,
        due=iso(due) if due else None,
        recurrence=slots.recurrence,
        remind=iso(slots.remind) if slots.remind else None,
    )
    # "remove the due date from task 2": the tools clear a field given "none", tags given [].
    cleared: dict[str, Any] = {name: [] if name == "tags" else CLEAR for name in slots.clear}
    return {**given, **cleared}


def has_changes(intent: UpdateTask) -> bool:
    return intent.title is not None or intent.description is not None or intent.slots != Slots()


def compact(**values: object) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}
