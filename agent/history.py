"""Stored messages -> model input items, with tool calls paired with their results."""

import json
from collections.abc import Iterable
from typing import Any, Protocol

from agents import TResponseInputItem


class StoredMessage(Protocol):
    """A stored user or assistant row; an assistant row carries its tool calls."""

    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...

    @property
    def tool_calls(self) -> list[dict[str, Any]]: ...


def tool_output_text(output: Any, is_error: bool) -> str:
    """What the model sees of a tool result: compact JSON, or the error sentence."""
    if is_error or isinstance(output, str):
        return str(output)
    return json.dumps(output, ensure_ascii=False, separators=(",", ":"))


def to_input_items(history: Iterable[StoredMessage], message: str) -> list[TResponseInputItem]:
    """The model's input: a window of stored rows, then the new message. A window holds whole
    rows, and an assistant row carries its calls with their results, so a call is never
    split from its result."""
    items: list[TResponseInputItem] = []
    for stored in history:
        items.extend(_replay(stored))
    items.append({"role": "user", "content": message})
    return items


def _replay(message: StoredMessage) -> list[TResponseInputItem]:
    items: list[TResponseInputItem] = []
    if message.role == "user":
        return [{"role": "user", "content": message.content}]
    for call in message.tool_calls:
        items.append(
            {
                "type": "function_call",
                "call_id": call["id"],
                "name": call["name"],
                "arguments": json.dumps(call["arguments"], ensure_ascii=False),
            }
        )
        items.append(
            {
                "type": "function_call_output",
                "call_id": call["id"],
                "output": tool_output_text(call["output"], call["is_error"]),
            }
        )
    if message.content:
        items.append({"role": "assistant", "content": message.content})
    return items
