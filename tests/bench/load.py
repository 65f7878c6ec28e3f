"""Drivers shared by every system under test: sequential latencies and closed-loop throughput."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def sequential(turn: Callable[[int], Awaitable[T]], n: int, warmup: int) -> list[T]:
    """`warmup` untimed turns, then `n` turns one after another; their results."""
    for i in range(warmup):
        await turn(i)
    return [await turn(i) for i in range(n)]


async def throughput(
    turn: Callable[[int], Awaitable[bool]],
    concurrency: int,
    duration: float,
    warmup: float = 0.5,
    cpu: Callable[[], float] | None = None,
    latencies: list[float] | None = None,
) -> tuple[float, float]:
    """Completed turns per second with `concurrency` workers, each starting its next turn as
    soon as the last one ended (worker index passed to `turn`), and the CPU milliseconds per
    turn that `cpu` (seconds used so far by the system under test) saw. Failed turns do not
    count; each counted turn's seconds go to `latencies` when given."""
    done = 0
    counting = False
    stop = time.perf_counter() + warmup + duration

    async def worker(index: int) -> None:
        nonlocal done
        while time.perf_counter() < stop:
            began = time.perf_counter()
            ok = await turn(index)
            ended = time.perf_counter()
            if ok and counting and ended <= stop:
                done += 1
                if latencies is not None:
                    latencies.append(ended - began)

    workers = [asyncio.create_task(worker(i)) for i in range(concurrency)]
    await asyncio.sleep(warmup)
    counting, started = True, time.perf_counter()
    cpu_started = cpu() if cpu else 0.0
    await asyncio.sleep(max(0.0, stop - time.perf_counter()))
    elapsed = time.perf_counter() - started
    cpu_used = cpu() - cpu_started if cpu else 0.0
    await asyncio.gather(*workers)
    return done / elapsed, cpu_used / done * 1000 if done else float("nan")


async def until(condition: Callable[[], bool], within: float, every: float = 0.1) -> bool:
    """Poll `condition` (state of other processes or sockets) until true or `within` s."""
    for _ in range(max(1, int(within / every))):
        if condition():
            return True
        await asyncio.sleep(every)
    return condition()
