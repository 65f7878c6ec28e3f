"""The in-process run log: a follower that is cancelled stops following, whenever the
cancellation comes (the SIGTERM storm's viewers kept following on Python 3.11 otherwise)."""

import asyncio

from backend.broker.base import LoggedEvent
from backend.broker.run_log import RunLog

DEADLINE = 5.0
IDLE = 60.0  # longer than the test: the follower ends only by its cancellation


async def _follow(log: RunLog, seen: list[int]) -> None:
    async for logged in log.follow(0, IDLE):
        seen.append(logged.seq)


async def test_a_follower_cancelled_as_an_event_arrives_stops_following() -> None:
    # The cancellation lands 0 to 7 loop rounds after the event: the first ones hit the
    # moment the follower's wait has just been woken, which a wait_for-based wait ignored.
    for rounds in range(8):
        for _ in range(5):
            log = RunLog()
            seen: list[int] = []
            follower = asyncio.create_task(_follow(log, seen))
            log.add(LoggedEvent(1, "delta", {"text": "a"}))
            for _ in range(4):  # the follower has the first event and waits for the next
                await asyncio.sleep(0)
            assert seen == [1]
            log.add(LoggedEvent(2, "delta", {"text": "b"}))
            for _ in range(rounds):
                await asyncio.sleep(0)
            follower.cancel()
            # asyncio.wait: awaiting the task itself would cancel it once more.
            await asyncio.wait([follower], timeout=DEADLINE)
            assert follower.cancelled(), f"still following {rounds} rounds after the event"
