"""What the live feed says about a change (docs/api.md §13), sent through the broker.

Best effort by design: the feed replays nothing and a client reloads state over REST when it
(re)connects, so a change whose event is lost while the broker is away is not lost to anyone.
The change itself is already committed; it never fails because of the feed.
"""

import logging
from typing import Any, Literal

from backend.broker.base import Broker, FeedEvent
from backend.http.errors import BrokerUnavailable

log = logging.getLogger(__name__)

Action = Literal["created", "updated", "deleted"]


async def publish(broker: Broker, owner: str, event: FeedEvent) -> None:
    try:
        await broker.publish(owner, event)
    except BrokerUnavailable:
        log.warning("live feed event not sent: the broker is unavailable")


def task_event(action: Action, task: dict[str, Any]) -> FeedEvent:
    """`task` is the task as REST shows it; for `deleted`, only `{"id": n}`."""
    return FeedEvent("task", {"action": action, "task": task})


def conversation_event(action: Action, conversation: dict[str, Any]) -> FeedEvent:
    """`conversation` as REST shows it (with `running`); for `deleted`, only `{"id": n}`."""
    return FeedEvent("conversation", {"action": action, "conversation": conversation})


def reminder_event(task: dict[str, Any]) -> FeedEvent:
    return FeedEvent("reminder", {"task": task})
