"""A replica killed mid-answer (SIGKILL: no shutdown, no final event): another replica takes
its run over within 15 s. The answer so far is stored as failed (`run_lost`), the stream
attached on the living replica ends with `error` `run_lost`, and the conversation takes
messages again."""

import asyncio
import time

from tests.backend.runs.helpers import Viewer
from tests.replicas.conftest import Replicas
from tests.storms.support import report

TAKEN_OVER_WITHIN = 15.0


async def test_the_runs_of_a_killed_replica_are_taken_over_by_the_other(
    replicas: Replicas,
) -> None:
    first, second = replicas.clients
    starter = first.chat("Tell me about my day")
    await starter.until(3)
    conversation = starter.events[0].data["conversation_id"]
    watcher = second.attach(conversation)
    await watcher.until(3)

    replicas.first.process.kill()
    killed = time.monotonic()
    lost_after = await _ended_after(watcher, killed)
    await asyncio.gather(_left(starter))
    report("a replica killed mid-answer", {"run_lost after s": round(lost_after, 2)})

    assert watcher.events[-1].name == "error"
    assert watcher.events[-1].data["code"] == "run_lost"
    assert lost_after <= TAKEN_OVER_WITHIN
    assert not await second.running(conversation)
    stored = await second.messages(conversation)
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[-1]["status"] == "failed"
    assert stored[-1]["error"]["code"] == "run_lost"
    assert stored[-1]["content"] == watcher.text != ""
    again = second.chat("Are you back?", conversation)
    await again.until(1)
    await again.leave()
    assert again.status == 200
    assert again.names[:2] == ["conversation", "delta"]


async def _ended_after(viewer: Viewer, since: float) -> float:
    assert viewer.task is not None
    async with asyncio.timeout(TAKEN_OVER_WITHIN * 2):
        await viewer.task
    return time.monotonic() - since


async def _left(viewer: Viewer) -> None:
    """The stream of the killed replica broke; nothing more to read from it."""
    assert viewer.task is not None
    await asyncio.gather(viewer.task, return_exceptions=True)
