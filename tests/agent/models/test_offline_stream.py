"""The offline model called directly: the Responses stream events the Runner consumes."""

import json
from collections.abc import AsyncIterator
from typing import Any, cast

from agents import FunctionTool, ModelSettings, RunContextWrapper, TResponseInputItem
from agents.items import TResponseStreamEvent
from agents.models.interface import ModelTracing
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage

from agent.models.offline import OfflineModel

TOOL_NAMES = ("add_task", "list_tasks", "complete_task", "delete_task", "update_task")


async def _never_called(context: RunContextWrapper[Any], arguments: str) -> str:
    raise AssertionError("the model itself never runs tools")


TOOLS = [
    FunctionTool(
        name=name,
        description=name,
        params_json_schema={"type": "object", "properties": {}},
        on_invoke_tool=_never_called,
    )
    for name in TOOL_NAMES
]


def user(text: str) -> TResponseInputItem:
    return {"role": "user", "content": text}


def request(items: list[TResponseInputItem]) -> dict[str, Any]:
    """The arguments of one model call, streamed or not: `items` and the five tools."""
    return {
        "system_instructions": None,
        "input": items,
        "model_settings": ModelSettings(),
        "tools": list(TOOLS),
        "output_schema": None,
        "handoffs": [],
        "tracing": ModelTracing.DISABLED,
        "previous_response_id": None,
        "conversation_id": None,
        "prompt": None,
    }


async def stream(items: list[TResponseInputItem]) -> list[TResponseStreamEvent]:
    events: AsyncIterator[TResponseStreamEvent] = OfflineModel().stream_response(**request(items))
    return [event async for event in events]


def text_of(events: list[TResponseStreamEvent]) -> str:
    return "".join(event.delta for event in events if event.type == "response.output_text.delta")


async def test_text_answer_streams_word_sized_deltas() -> None:
    events = await stream([user("hello")])

    types = [event.type for event in events]
    deltas = types.count("response.output_text.delta")
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert deltas > 5
    final = events[-1]
    assert final.type == "response.completed"
    (item,) = final.response.output
    assert isinstance(item, ResponseOutputMessage)
    assert text_of(events) == item.content[0].model_dump()["text"]
    assert [event.sequence_number for event in events] == list(range(len(events)))


async def test_tool_call_event_sequence() -> None:
    events = await stream([user("delete task 4")])

    assert [event.type for event in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    final = events[-1]
    assert final.type == "response.completed"
    (item,) = final.response.output
    assert isinstance(item, ResponseFunctionToolCall)
    assert item.call_id.startswith("call_")
    assert (item.name, json.loads(item.arguments)) == ("delete_task", {"task_id": 4})
    assert final.response.usage is not None
    assert final.response.usage.input_tokens > 0
    assert final.response.usage.output_tokens > 0


async def test_mcp_error_parts_are_read_and_the_prefix_dropped() -> None:
    """MCP errors reach the model as text parts, possibly prefixed by the MCP SDK."""
    call: dict[str, Any] = {
        "type": "function_call",
        "call_id": "c1",
        "name": "delete_task",
        "arguments": '{"task_id": 9}',
    }
    error = "Error executing tool delete_task: Task 9 was not found."
    output: dict[str, Any] = {
        "type": "function_call_output",
        "call_id": "c1",
        "output": [{"type": "input_text", "text": error}],
    }

    events = await stream([user("delete task 9"), *cast(list[TResponseInputItem], [call, output])])

    assert text_of(events) == "Sorry, I couldn't do that: Task 9 was not found."


async def test_get_response_gives_the_same_decision() -> None:
    response = await OfflineModel().get_response(**request([user("Add a task to buy groceries")]))

    (item,) = response.output
    assert isinstance(item, ResponseFunctionToolCall)
    assert json.loads(item.arguments) == {"title": "Buy groceries"}
    assert response.usage.requests == 1
    assert response.usage.output_tokens > 0
