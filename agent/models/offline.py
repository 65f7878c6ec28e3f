"""The built-in deterministic model (`CHAT_MODEL=offline`): no network, no hidden state.

Each call reads the conversation the Runner passes in (Responses-format input items, as dicts
or SDK objects) and produces one step, decided by `offline_replies.next_step`: a tool call, the
answer text, or a sentence followed by a tool call. One instance can serve any number of
concurrent runs.

The deciding runs in a worker thread: its regular expressions are linear and the message is
at most 4,000 characters, but reading a date (dateparser) can take a few milliseconds, and
the first one ~150 ms while dateparser loads its data. The event loop keeps serving others.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import ModelResponse, TResponseInputItem, TResponseStreamEvent
from agents.model_settings import ModelSettings
from agents.models.interface import Model, ModelTracing
from agents.tool import Tool
from agents.usage import Usage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_prompt_param import ResponsePromptParam
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

from agent.models.offline_answers import ToolCall, json_object, read_result
from agent.models.offline_replies import Say, Turn, next_step
from agent.models.offline_situation import Situation, read_situation
from agent.models.offline_undo import undo_step

MODEL_NAME = "offline"

_OutputItem = ResponseOutputMessage | ResponseFunctionToolCall


class OfflineModel(Model):
    """A rule-based stand-in for an LLM that drives the task tools through the Agents SDK."""

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        response = await asyncio.to_thread(respond, system_instructions, input, tools)
        usage = response.usage or _usage(0, 0)
        return ModelResponse(
            output=list(response.output),
            usage=Usage(
                requests=1,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                total_tokens=usage.total_tokens,
            ),
            response_id=response.id,
        )

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        response = await asyncio.to_thread(respond, system_instructions, input, tools)
        for event in stream_events(response):
            yield event
            # Yield to the loop per event so each delta reaches the client on its own and a
            # cancellation (client gone) can land mid-answer.
            await asyncio.sleep(0)


def respond(
    system_instructions: str | None, input: str | list[TResponseInputItem], tools: list[Tool]
) -> Response:
    """Decide this call's single output item and wrap it in a completed Response."""
    items = (
        [{"role": "user", "content": input}]
        if isinstance(input, str)
        else list(map(_as_dict, input))
    )
    available = {_canonical(name): name for name in (getattr(tool, "name", "") for tool in tools)}
    turn = read_turn(items, read_situation(system_instructions))
    step = undo_step(turn.user_text, turn.results) or next_step(turn)
    calls = step.calls if isinstance(step, Say) else (step,) if isinstance(step, ToolCall) else ()
    missing = [call.name for call in calls if call.name not in available]
    if missing:
        step = f"Sorry, I can't do that right now: the {missing[0]} tool isn't available."
        calls = ()
    output: list[_OutputItem] = []
    if isinstance(step, str | Say):
        output.append(_message(step if isinstance(step, str) else step.text))
    output.extend(_function_call(available[call.name], call.arguments) for call in calls)
    produced = " ".join(map(_output_text, output))
    consumed = _count_words(system_instructions or "") + sum(
        map(_count_words, map(_item_text, items))
    )
    return Response(
        id=_new_id("resp"),
        created_at=time.time(),
        model=MODEL_NAME,
        object="response",
        output=output,
        tool_choice="auto",
        tools=[],
        top_p=None,
        parallel_tool_calls=False,
        status="completed",
        usage=_usage(consumed, _count_words(produced)),
    )


# ---- reading input items --------------------------------------------------------------------


def read_turn(items: list[dict[str, Any]], situation: Situation | None = None) -> Turn:
    """Split the input at the person's newest message: earlier tool results, this turn's."""
    situation = situation or read_situation(None)
    users = [i for i, item in enumerate(items) if item.get("role") == "user"]
    if not users:
        return Turn(user_text=None, situation=situation)
    current = users[-1]
    outputs = [i for i, item in enumerate(items) if item.get("type") == "function_call_output"]
    earlier = [i for i in outputs if i < current]
    answered_before = len(users) > 1 and bool(earlier) and earlier[-1] > users[-2]
    turn = items[current + 1 :]
    calls = {
        item.get("call_id"): ToolCall(
            _canonical(str(item.get("name", ""))), _arguments(item.get("arguments"))
        )
        for item in turn
        if item.get("type") == "function_call"
    }
    return Turn(
        user_text=_text(items[current].get("content")),
        previous_output=_text(items[earlier[-1]].get("output")) if earlier else None,
        previous_request=_text(items[users[-2]].get("content")) if answered_before else None,
        results=[
            read_result(calls[item.get("call_id")], _text(item.get("output")))
            for item in turn
            if item.get("type") == "function_call_output" and item.get("call_id") in calls
        ],
        answered=any(item.get("role") == "assistant" for item in turn),
        situation=situation,
    )


def _as_dict(item: object) -> dict[str, Any]:
    if isinstance(item, Mapping):
        return dict(item)
    dump = getattr(item, "model_dump", None)
    return dict(dump(exclude_unset=True)) if callable(dump) else {}


def _canonical(name: str) -> str:
    # The SDK can prefix MCP tool names with their server ("mcp_todo__add_task").
    return name.rsplit("__", 1)[-1]


def _arguments(raw: object) -> dict[str, Any]:
    parsed = json_object(raw) if isinstance(raw, str) else raw
    return dict(parsed) if isinstance(parsed, Mapping) else {}


def _text(content: object) -> str:
    """Message content or tool output: a string, or a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(_as_dict(part).get("text", "")) for part in content)
    return ""


def _item_text(item: dict[str, Any]) -> str:
    return " ".join(_text(item.get(key)) for key in ("content", "arguments", "output"))


def _output_text(item: _OutputItem) -> str:
    if isinstance(item, ResponseFunctionToolCall):
        return item.arguments
    return " ".join(part.text for part in item.content if isinstance(part, ResponseOutputText))


def _count_words(text: str) -> int:
    return len(text.split())


# ---- output items and stream events ---------------------------------------------------------


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _message(text: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id=_new_id("msg"),
        type="message",
        role="assistant",
        status="completed",
        content=[_text_part(text)],
    )


def _text_part(text: str) -> ResponseOutputText:
    return ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])


def _function_call(name: str, arguments: dict[str, Any]) -> ResponseFunctionToolCall:
    return ResponseFunctionToolCall(
        id=_new_id("fc"),
        call_id=_new_id("call"),
        type="function_call",
        name=name,
        arguments=json.dumps(arguments, ensure_ascii=False, separators=(",", ":")),
        status="completed",
    )


def _usage(input_tokens: int, output_tokens: int) -> ResponseUsage:
    return ResponseUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
        input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
        output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
    )


def stream_events(response: Response) -> Iterator[TResponseStreamEvent]:
    """The Responses API event sequence for a one-item response, text split word by word."""
    sequence = itertools.count()
    started = response.model_copy(update={"output": [], "status": "in_progress", "usage": None})
    yield ResponseCreatedEvent(
        type="response.created", response=started, sequence_number=next(sequence)
    )
    yield ResponseInProgressEvent(
        type="response.in_progress", response=started, sequence_number=next(sequence)
    )
    for index, item in enumerate(response.output):
        if isinstance(item, ResponseOutputMessage):
            yield from _message_events(item, index, sequence)
        elif isinstance(item, ResponseFunctionToolCall):
            yield from _call_events(item, index, sequence)
    yield ResponseCompletedEvent(
        type="response.completed", response=response, sequence_number=next(sequence)
    )


def _message_events(
    item: ResponseOutputMessage, index: int, sequence: Iterator[int]
) -> Iterator[TResponseStreamEvent]:
    text = "".join(part.text for part in item.content if isinstance(part, ResponseOutputText))
    where: dict[str, Any] = {"item_id": item.id, "output_index": index, "content_index": 0}
    yield ResponseOutputItemAddedEvent(
        type="response.output_item.added",
        item=item.model_copy(update={"content": [], "status": "in_progress"}),
        output_index=index,
        sequence_number=next(sequence),
    )
    yield ResponseContentPartAddedEvent(
        type="response.content_part.added",
        part=_text_part(""),
        sequence_number=next(sequence),
        **where,
    )
    for chunk in _word_chunks(text):
        yield ResponseTextDeltaEvent(
            type="response.output_text.delta",
            delta=chunk,
            logprobs=[],
            sequence_number=next(sequence),
            **where,
        )
    yield ResponseTextDoneEvent(
        type="response.output_text.done",
        text=text,
        logprobs=[],
        sequence_number=next(sequence),
        **where,
    )
    yield ResponseContentPartDoneEvent(
        type="response.content_part.done",
        part=_text_part(text),
        sequence_number=next(sequence),
        **where,
    )
    yield ResponseOutputItemDoneEvent(
        type="response.output_item.done",
        item=item,
        output_index=index,
        sequence_number=next(sequence),
    )


def _call_events(
    item: ResponseFunctionToolCall, index: int, sequence: Iterator[int]
) -> Iterator[TResponseStreamEvent]:
    item_id = item.id or item.call_id
    yield ResponseOutputItemAddedEvent(
        type="response.output_item.added",
        item=item.model_copy(update={"arguments": "", "status": "in_progress"}),
        output_index=index,
        sequence_number=next(sequence),
    )
    yield ResponseFunctionCallArgumentsDeltaEvent(
        type="response.function_call_arguments.delta",
        item_id=item_id,
        output_index=index,
        delta=item.arguments,
        sequence_number=next(sequence),
    )
    yield ResponseFunctionCallArgumentsDoneEvent(
        type="response.function_call_arguments.done",
        item_id=item_id,
        output_index=index,
        arguments=item.arguments,
        sequence_number=next(sequence),
    )
    yield ResponseOutputItemDoneEvent(
        type="response.output_item.done",
        item=item,
        output_index=index,
        sequence_number=next(sequence),
    )


def _word_chunks(text: str) -> list[str]:
    """Word-sized pieces (each word with the whitespace after it) that join back to `text`."""
    return [chunk for chunk in re.findall(r"\S*\s*", text) if chunk]
