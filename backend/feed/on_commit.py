"""Every committed change goes out on its owner's live feed (docs/api.md §13)."""

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.broker.base import Broker, FeedEvent
from backend.conversations.records import ConversationRecord
from backend.conversations.schemas import ConversationOut
from backend.feed import changes
from backend.feed.publish import conversation_event, publish, task_event
from backend.tasks.schemas import TaskOut
from backend.tasks.store import TaskRecord


def publish_changes_on_commit(session_class: type[Session], broker: Broker) -> None:
    """Sessions of `session_class` publish what they changed once their transaction commits
    (and forget it on rollback)."""
    sending: set[asyncio.Task[None]] = set()

    def committed(session: Session) -> None:
        for change in changes.take(session):
            task = asyncio.get_running_loop().create_task(
                publish(broker, change.owner, _feed_event(change))
            )
            sending.add(task)
            task.add_done_callback(sending.discard)

    def rolled_back(session: Session, _previous: Any = None) -> None:
        changes.take(session)

    event.listen(session_class, "after_commit", committed)
    event.listen(session_class, "after_soft_rollback", rolled_back)


def _feed_event(change: changes.Change) -> FeedEvent:
    if change.kind == "task":
        assert isinstance(change.record, TaskRecord)
        if change.action == "deleted":
            return task_event("deleted", {"id": change.record.number})
        return task_event(change.action, TaskOut.of(change.record).model_dump(mode="json"))
    if change.kind == "conversation":
        assert isinstance(change.record, ConversationRecord)
        if change.action == "deleted":
            return conversation_event("deleted", {"id": change.record.number})
        shape = ConversationOut.of(change.record).model_dump(mode="json")
        return conversation_event(change.action, shape)
    raise ValueError(f"no feed event for {change.kind} changes")
