"""Waiting for something to become true, with a deadline: tests never sleep a fixed time."""

import asyncio
import time
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool]], within: float, what: str) -> float:
    """Poll `check` until it holds; the seconds it took, or AssertionError after `within`."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > within:
            raise AssertionError(f"not reached within {within}s: {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start
