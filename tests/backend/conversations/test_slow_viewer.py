"""A viewer that does not keep up costs a bounded buffer, then is dropped with a final event
it can act on (resume with Last-Event-ID); the run's log is no longer followed for it."""

from collections.abc import AsyncIterator

import anyio

from agent.events import TextDelta
from backend.conversations.sse import VIEWER_BEHIND, VIEWER_BUFFER_EVENTS, until_shutdown
from backend.conversations.wire import Viewed
from tests.polling import eventually

EVENTS = 10_000


async def test_a_viewer_that_stops_reading_is_dropped_after_a_bounded_buffer() -> None:
    followed = 0

    async def run_log() -> AsyncIterator[Viewed]:
        nonlocal followed
        for seq in range(1, EVENTS + 1):
            followed = seq
            yield f"run:{seq}", TextDelta("x")

    viewer = until_shutdown(run_log(), anyio.Event())
    first = await anext(viewer)  # then the viewer reads nothing for a while
    assert first[0] == "run:1"

    async def following_stopped() -> bool:
        before = followed
        await anyio.sleep(0.05)
        return followed == before

    await eventually(following_stopped, 10, "the run's log no longer followed")
    assert followed <= VIEWER_BUFFER_EVENTS + 2  # not the whole log
    rest = [event async for event in viewer]
    assert rest[-1] == (None, VIEWER_BEHIND)
    assert [event_id for event_id, _ in rest[:-1]] == [
        f"run:{seq}" for seq in range(2, len(rest) + 1)
    ]
    assert VIEWER_BEHIND.code == "viewer_behind"
    assert "Last-Event-ID" in VIEWER_BEHIND.detail
