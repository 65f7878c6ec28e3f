"""A run belongs to the replica that started it, and is watched and stopped from any other."""

import asyncio
import time

from tests.backend.runs.helpers import Viewer
from tests.replicas.conftest import Replicas

STOP_WITHIN = 2.0


async def test_a_run_is_attached_to_and_stopped_from_the_other_replica(
    replicas: Replicas,
) -> None:
    first, second = replicas.clients
    starter = first.chat("Tell me about my day")
    await starter.until(3)
    conversation = starter.events[0].data["conversation_id"]
    resumed_after = starter.events[2]  # the conversation event and two deltas
    resumed = second.attach(conversation, resumed_after.id)
    redrawn = second.attach(conversation)
    await resumed.until(2)
    await redrawn.until(4)

    asked = time.monotonic()
    assert (await second.stop(conversation)).status_code == 202
    ended = await asyncio.gather(
        *(_ended_after(viewer, asked) for viewer in (starter, resumed, redrawn))
    )
    assert max(ended) <= STOP_WITHIN, ended

    done = starter.events[-1]
    assert done.name == "done"
    assert done.data["status"] == "stopped"
    # Exactly the events after the one named, no gap and no duplicate; from the start
    # without an id.
    assert [e.id for e in resumed.events] == [e.id for e in starter.events[3:]]
    assert [e.id for e in redrawn.events] == [e.id for e in starter.events]
    before = "".join(e.data["text"] for e in starter.events[:3] if e.name == "delta")
    assert redrawn.text == before + resumed.text == starter.text

    stored = (await first.messages(conversation))[-1]
    assert stored["role"] == "assistant"
    assert stored["status"] == "stopped"
    assert stored["content"] == starter.text == done.data["response"]
    assert (await second.stop(conversation)).status_code == 204


async def _ended_after(viewer: Viewer, asked: float) -> float:
    await viewer.finished()
    return time.monotonic() - asked
