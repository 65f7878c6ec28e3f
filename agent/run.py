"""One agent run, streamed: SDK stream events in, our typed events out."""

import asyncio
import copy
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
from agents import (
    Agent,
    AgentsException,
    MaxTurnsExceeded,
    ModelResponse,
    RunConfig,
    RunContextWrapper,
    RunHooks,
    Runner,
    RunResultStreaming,
    RunState,
    StreamEvent,
    Tool,
    TResponseInputItem,
)
from agents import Usage as SdkUsage

from agent.approvals import Resume, paused_state, resumed_state, waiting_calls
from agent.context import ChatContext
from agent.events import AgentEvent, Done, Failed, TextDelta, ToolCall, ToolResult, Usage


def failure_for(error: BaseException) -> Failed:
    """A provider or run failure as a sentence for a person; never the provider's own text."""
    if isinstance(error, MaxTurnsExceeded):
        return Failed("model_turn_limit", "The assistant took too many steps and was stopped.")
    if isinstance(error, openai.RateLimitError):
        return Failed(
            "model_rate_limited", "The AI model is busy right now; please try again shortly.", 503
        )
    if isinstance(error, openai.APITimeoutError | TimeoutError):
        return Failed("model_timeout", "The AI model took too long to answer.", 504)
    if isinstance(error, openai.APIStatusError) and error.status_code < 500:
        return Failed("model_rejected", "The AI model refused the request.")
    return Failed("model_unavailable", "The AI model is unavailable right now; please retry.")


PROVIDER_ERRORS = (openai.OpenAIError, AgentsException, httpx.HTTPError, TimeoutError)


def reported_usage(usage: SdkUsage) -> Usage:
    """What the provider reported for a run's model calls, as answers store it."""
    return Usage(
        requests=usage.requests,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cached_tokens=usage.input_tokens_details.cached_tokens or 0,
        reasoning_tokens=usage.output_tokens_details.reasoning_tokens or 0,
    )


class _Turn:
    """Accumulates what the turn produced while its events stream past."""

    def __init__(self, resume: Resume | None = None) -> None:
        self.text: list[str] = []
        self.calls: dict[str, dict[str, Any]] = {}
        # A resumed run reports the outputs of calls made before the pause.
        self._declined: set[str] = set()
        for call in resume.waiting if resume else []:
            self.calls[call.id] = {"id": call.id, "name": call.tool, "arguments": call.arguments}
            if resume and resume.decisions.get(call.id) is False:
                self._declined.add(call.id)

    def on_event(self, event: StreamEvent) -> AgentEvent | None:
        if event.type == "raw_response_event":
            if event.data.type == "response.output_text.delta" and event.data.delta:
                self.text.append(event.data.delta)
                return TextDelta(event.data.delta)
            return None
        if event.type != "run_item_stream_event":
            return None
        if event.name == "tool_called":
            return self._called(event.item.raw_item)
        if event.name == "tool_output":
            return self._returned(event.item)
        return None

    def _called(self, raw: Any) -> ToolCall:
        try:
            arguments = json.loads(raw.arguments or "{}")
        except ValueError:
            arguments = {}
        if not isinstance(arguments, dict):
            arguments = {}
        self.calls[raw.call_id] = {"id": raw.call_id, "name": raw.name, "arguments": arguments}
        return ToolCall(raw.call_id, raw.name, arguments)

    def _returned(self, item: Any) -> ToolResult:
        raw = item.raw_item
        call_id = raw["call_id"] if isinstance(raw, dict) else raw.call_id
        custom = item.custom_data or {}
        is_error = bool(custom.get("is_error", False)) or call_id in self._declined
        output = custom.get("structured") if not is_error else None
        if output is None:
            output = _text_of(item.output)
        call = self.calls.setdefault(call_id, {"id": call_id, "name": "", "arguments": {}})
        call.update(output=output, is_error=is_error)
        return ToolResult(call_id, call["name"], output, is_error)

    def awaiting_results(self) -> bool:
        """Whether a call announced in this turn has not returned yet."""
        return any("output" not in call for call in self.calls.values())

    def done(self, result: RunResultStreaming) -> Done:
        done = Done(
            response="".join(self.text),
            tool_calls=[c for c in self.calls.values() if "output" in c],
            usage=reported_usage(result.context_wrapper.usage),
        )
        waiting = waiting_calls(result)
        if not waiting:
            return done
        return dataclasses.replace(
            done,
            status="awaiting_approval",
            waiting=[{"id": c.id, "tool": c.tool, "arguments": c.arguments} for c in waiting],
            paused_state=paused_state(result),
        )


def _text_of(output: Any) -> str:
    if isinstance(output, dict):
        return str(output.get("text", ""))
    if isinstance(output, list):
        return " ".join(_text_of(part) for part in output)
    return str(output)


# A stop waits this long at most for tool calls already executing to finish.
TOOL_GRACE_SECONDS = 10.0


class _TurnHooks(RunHooks[ChatContext]):
    """Counts the tool calls executing right now on the run's context, and each model
    call's tokens against the user's daily budget."""

    async def on_llm_end(
        self, context: RunContextWrapper[ChatContext], agent: Any, response: ModelResponse
    ) -> None:
        chat = context.context
        if chat.spend_tokens is None:
            return
        tokens = response.usage.input_tokens + response.usage.output_tokens
        if await chat.spend_tokens(tokens):
            chat.tokens_spent.set()

    async def on_tool_start(
        self, context: RunContextWrapper[ChatContext], agent: Any, tool: Tool
    ) -> None:
        context.context.tools_running += 1

    async def on_tool_end(
        self, context: RunContextWrapper[ChatContext], agent: Any, tool: Tool, result: object
    ) -> None:
        context.context.tools_running -= 1


_TURN_HOOKS = _TurnHooks()


async def _stop_when_asked(
    stop: asyncio.Event, result: RunResultStreaming, context: ChatContext
) -> None:
    """On a stop: cancel the model request at once; but a tool call already executing
    finishes (and is recorded), and then no further model or tool call starts."""
    await stop.wait()
    if context.tools_running:
        result.cancel(mode="after_turn")
        await asyncio.sleep(TOOL_GRACE_SECONDS)
    result.cancel()


async def _end_when_spent(result: RunResultStreaming, context: ChatContext) -> None:
    """The budget ran out: the model call that crossed it has finished (and the tool calls
    it asked for run), but no further model call starts."""
    await context.tokens_spent.wait()
    result.cancel(mode="after_turn")


def _capped(context: ChatContext) -> Failed:
    exceeded = context.budget.exceeded or "tool calls per turn"
    return Failed(
        "tool_limit_exceeded",
        f"This turn was stopped: it reached the limit on {exceeded.replace('_', ' ')}.",
    )


async def run_turn(
    agent: Agent[ChatContext],
    items: list[TResponseInputItem],
    context: ChatContext,
    *,
    max_turns: int,
    run_config: RunConfig,
    stop: asyncio.Event | None = None,
    resume: Resume | None = None,
) -> AsyncIterator[AgentEvent]:
    """Yield the turn's events, ending with exactly one `Done` or `Failed`.

    With `resume`, the turn continues a paused run (agent/approvals.py) instead of `items`.

    Setting `stop` ends the turn early with a `Done` of status "stopped" (what was written
    so far). Cancelling the consumer cancels the run and its upstream model request.
    """
    # A shallow copy (about 1.5 µs) per run: the SDK re-checks at each model call that no
    # concurrent run of the *same* agent object changed its tools, scanning every such run
    # (agents.run_internal.agent_tool_configuration._observe_tools): with one shared agent
    # that is O(concurrent turns x tools) per call, 10% of the CPU at 1,000 open streams.
    # The copy shares the tools, model and settings; nothing is mutated.
    agent = copy.copy(agent)
    start: list[TResponseInputItem] | RunState[ChatContext, Agent[ChatContext]] = items
    if resume is not None:
        start = await resumed_state(agent, resume, context)
    result = Runner.run_streamed(
        agent,
        start,
        context=context,
        max_turns=max_turns,
        run_config=run_config,
        hooks=_TURN_HOOKS,
    )
    turn = _Turn(resume)
    stopper = asyncio.create_task(_stop_when_asked(stop or asyncio.Event(), result, context))
    spent = asyncio.create_task(_end_when_spent(result, context))
    capped = False
    try:
        async for event in result.stream_events():
            mapped = turn.on_event(event)
            if mapped is not None:
                yield mapped
            capped = capped or (isinstance(mapped, ToolResult) and bool(context.budget.exceeded))
            # Parallel calls all ran (or were refused) before their results stream: wait for
            # every one, so the stored answer lists what the activity record holds.
            if capped and not turn.awaiting_results():
                yield _capped(context)
                return
        if capped:
            yield _capped(context)
            return
    except PROVIDER_ERRORS as error:
        yield failure_for(error)
        return
    finally:
        stopper.cancel()
        spent.cancel()
        if not result.is_complete:
            result.cancel()
    done = turn.done(result)
    # A budget used up mid-run: the model call in flight finished, no other starts (a run
    # pausing for the person keeps its waiting calls).
    cut_short = context.tokens_spent.is_set() and result.final_output is None and not done.waiting
    if (stop and stop.is_set()) or cut_short:
        done = dataclasses.replace(done, status="stopped", waiting=[], paused_state=None)
    yield done
