"""Stored messages -> model input items, with tool calls paired with their results, bounded
by tokens (CHAT_HISTORY_TOKENS) as well as by messages (the window the store loads)."""

import json
from collections.abc import Iterable
from typing import Any, Protocol

from agents import TResponseInputItem

from agent.tokens import item_tokens

# An older tool result shortened to save context keeps this many characters of itself.
SHORT_OUTPUT_CHARS = 100
SHORTENED = " … (older result shortened)"


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


def to_input_items(
    history: Iterable[StoredMessage], message: str, *, max_tokens: int | None = None
) -> list[TResponseInputItem]:
    """The model's input: a window of stored rows, then the new message.

    A window holds whole rows, and an assistant row carries its calls with their results, so
    a call is never split from its result. Over `max_tokens` (estimated, agent/tokens.py),
    older tool results are first shortened to a line, oldest first; then the oldest turns
    (a user row and the answers after it) are dropped whole. The newest turn and the new
    message are always sent."""
    turns = _turns([_replay(stored) for stored in history])
    new: TResponseInputItem = {"role": "user", "content": message}
    if max_tokens is not None:
        turns = _bounded(turns, max_tokens - item_tokens(new))
    return [*(item for turn in turns for item in turn), new]


def _turns(rows: list[list[TResponseInputItem]]) -> list[list[TResponseInputItem]]:
    """Rows grouped into turns: each user row starts one."""
    turns: list[list[TResponseInputItem]] = []
    for row in rows:
        starts_turn = bool(row) and row[0].get("role") == "user"
        if starts_turn or not turns:
            turns.append([])
        turns[-1].extend(row)
    return turns


def _bounded(turns: list[list[TResponseInputItem]], budget: int) -> list[list[TResponseInputItem]]:
    sizes = [sum(map(item_tokens, turn)) for turn in turns]
    total = sum(sizes)
    # Shorten the tool results of every turn but the newest, oldest first.
    for index in range(len(turns) - 1):
        if total <= budget:
            return turns
        shortened = [_shortened(item) for item in turns[index]]
        new_size = sum(map(item_tokens, shortened))
        turns[index], total, sizes[index] = shortened, total - sizes[index] + new_size, new_size
    # Then drop the oldest turns whole.
    first = 0
    while total > budget and first < len(turns) - 1:
        total -= sizes[first]
        first += 1
    return turns[first:]


def _shortened(item: TResponseInputItem) -> TResponseInputItem:
    if item.get("type") != "function_call_output":
        return item
    output = str(item.get("output", ""))
    if len(output) <= SHORT_OUTPUT_CHARS + len(SHORTENED):
        return item
    line = " ".join(output[:SHORT_OUTPUT_CHARS].split())
    call_id = str(item.get("call_id", ""))
    return {"type": "function_call_output", "call_id": call_id, "output": line + SHORTENED}


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
