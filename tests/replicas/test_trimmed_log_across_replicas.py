"""A reloaded page attaching, on the replica that does not own the run, to a run whose Redis
log no longer starts at event 1: it is served from the first kept event, after a `notice`
saying events were skipped (docs/runs.md), and the stream ends with the run."""

import redis.asyncio

from tests.backend.runs.helpers import Viewer
from tests.polling import eventually
from tests.replicas.conftest import Replicas
from tests.sse import SSEEvent

DEADLINE = 10.0


def seq_of(event: SSEEvent) -> int:
    assert event.id is not None
    return int(event.id.rsplit(".", 1)[1])


def log_key(event: SSEEvent, conversation: int) -> str:
    """The run's Redis stream, as backend/runs/ref.py and the broker name it."""
    assert event.id is not None
    run = event.id.rsplit(".", 1)[0]
    return f"todo-chat:run:{run}/{conversation}/alice"


def assert_skipped_then_served(attached: Viewer, first_kept: int) -> None:
    notice = attached.events[0]
    assert notice.name == "notice"
    assert notice.id is None  # not an event of the run: the client keeps the last id it saw
    assert notice.data["code"] == "events_skipped"
    assert notice.data["skipped"] == first_kept - 1
    assert notice.data["detail"]
    served = attached.events[1:]
    assert seq_of(served[0]) == first_kept
    assert [seq_of(e) for e in served] == list(range(first_kept, first_kept + len(served)))
    assert served[-1].name == "done"


async def test_an_attach_to_a_trimmed_log_is_told_what_was_skipped(replicas: Replicas) -> None:
    first, second = replicas.clients
    starter = first.chat("Tell me about my day")
    await starter.until(8)
    conversation = starter.events[0].data["conversation_id"]
    store = redis.asyncio.Redis.from_url(replicas.redis.url)
    try:
        # As STREAM_MAXLEN trims a log past 10,000 events.
        await store.xtrim(log_key(starter.events[0], conversation), minid="0-6", approximate=False)
    finally:
        await store.aclose()
    attached = second.attach(conversation)  # a reload: no Last-Event-ID
    await attached.until(2)
    assert (await second.stop(conversation)).status_code == 202
    await attached.finished()
    await starter.finished()

    assert attached.status == 200
    assert_skipped_then_served(attached, 6)
    by_id = {e.id: e for e in starter.events}
    assert all(by_id[e.id] == e for e in attached.events[1:])


async def test_an_attach_after_a_redis_restart_is_told_what_was_skipped(
    replicas: Replicas,
) -> None:
    first, second = replicas.clients
    starter = first.chat("Tell me about my day")
    await starter.until(3)
    conversation = starter.events[0].data["conversation_id"]
    await replicas.redis.stop()  # the log's start is lost with Redis
    await replicas.redis.start()
    # The owner copies what it wrote since, and goes on: the log now starts past event 1.

    async def answering_again() -> bool:
        return (await second.http.get("/readyz")).status_code == 200

    await eventually(answering_again, DEADLINE, "the other replica serving again")
    attached = second.attach(conversation)
    await attached.until(2)
    assert (await second.stop(conversation)).status_code == 202
    await attached.finished()
    await starter.finished()

    assert attached.status == 200
    kept = seq_of(attached.events[1])
    assert kept > 1
    assert_skipped_then_served(attached, kept)
