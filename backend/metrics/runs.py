"""A run's events, counted as they pass: runs active and their duration, time to first
delta, tool calls by tool and outcome, failures by kind, tokens by direction."""

import time
from collections.abc import AsyncIterator

from agent.events import AgentEvent, Done, Failed, TextDelta, ToolResult
from backend.metrics.collectors import (
    FIRST_DELTA_SECONDS,
    MODEL_ERRORS,
    RUN_SECONDS,
    RUNS_ACTIVE,
    TOKENS,
    TOOL_CALLS,
)


async def metered(events: AsyncIterator[AgentEvent]) -> AsyncIterator[AgentEvent]:
    started = time.monotonic()
    waiting_for_text, ended = True, False
    RUNS_ACTIVE.inc()

    def end() -> None:
        nonlocal ended
        if not ended:
            ended = True
            RUNS_ACTIVE.dec()
            RUN_SECONDS.observe(time.monotonic() - started)

    try:
        async for event in events:
            if isinstance(event, TextDelta) and waiting_for_text:
                waiting_for_text = False
                FIRST_DELTA_SECONDS.observe(time.monotonic() - started)
            elif isinstance(event, ToolResult):
                TOOL_CALLS.labels(event.name, "error" if event.is_error else "ok").inc()
            elif isinstance(event, Failed):
                MODEL_ERRORS.labels(event.code).inc()
                end()
            elif isinstance(event, Done):
                TOKENS.labels("input").inc(event.usage.input_tokens)
                TOKENS.labels("output").inc(event.usage.output_tokens)
                end()
            yield event
    finally:
        end()
