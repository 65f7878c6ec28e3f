"""Reminders on the live feed (docs/api.md §13): what the reminder loop publishes with."""

from backend.broker.base import Broker
from backend.feed.publish import reminder_event
from backend.tasks.reminders import Publish
from backend.tasks.schemas import TaskOut
from backend.tasks.store import TaskRecord


def reminders_on_feed(broker: Broker) -> Publish:
    async def send(owner: str, task: TaskRecord) -> None:
        # Not the feed's best-effort publish: a broker that is away raises BrokerUnavailable,
        # and the reminder loop then leaves the reminder unsent for a later round.
        await broker.publish(owner, reminder_event(TaskOut.of(task).model_dump(mode="json")))

    return send
