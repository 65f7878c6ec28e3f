"""Background tasks the brokers run for their whole life (Redis readers and writers)."""

import asyncio


async def cancelled(task: "asyncio.Task[None]") -> None:
    """Cancel a background task and wait until it ended. Again if needed: redis-py can
    swallow a cancellation that lands while a read is timing out."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=0.1)
