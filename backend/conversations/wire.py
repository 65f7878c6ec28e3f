"""The wire forms of a chat turn (docs/api.md §8), all in one place.

A turn is a sequence of `ChatEvent`s. This module says what each one looks like to a client:
- `frame`: the SSE event name and JSON data of one event;
- `answer`: the JSON body (and status) a non-streaming client gets for the turn's last event;
- `record` / `replay`: the stored answer of an idempotent request, and the events it replays.

Adding an event means: its dataclass (here, or in `agent.events` when the agent emits it),
a case in `frame`, and, when it can end a turn, a case in `answer`, `record` and `replay`.
"""

from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any

from agent.events import AgentEvent, Done, Failed, TextDelta, ToolCall, ToolResult, Usage
from backend.conversations.schemas import ChatFailure, ChatResponse
from backend.idempotency.store import StoredResponse


@dataclass(frozen=True)
class Started:
    """The user's message is stored: the first event of every turn."""

    conversation_id: int
    user_message_id: int


@dataclass(frozen=True)
class Finished:
    """`Done`, after the answer was stored as message `message_id`."""

    done: Done
    conversation_id: int
    message_id: int


ChatEvent = Started | AgentEvent | Finished
Outcome = Finished | Failed


def frame(event: ChatEvent) -> tuple[str, dict[str, Any]]:
    """The SSE event name and JSON data of one chat event."""
    if isinstance(event, Started):
        return "conversation", asdict(event)
    if isinstance(event, TextDelta):
        return "delta", {"text": event.text}
    if isinstance(event, ToolCall):
        return "tool_call", asdict(event)
    if isinstance(event, ToolResult):
        return "tool_result", asdict(event)
    if isinstance(event, Finished):
        return "done", {**_answer_body(event), "usage": asdict(event.done.usage)}
    if isinstance(event, Failed):
        return "error", {"code": event.code, "detail": event.detail}
    raise TypeError(f"not a client event: {event!r}")


def answer(started: Started, outcome: Outcome) -> tuple[int, dict[str, Any]]:
    """The status and JSON body a non-streaming client gets for a turn that ended so."""
    if isinstance(outcome, Finished):
        return 200, ChatResponse.model_validate(_answer_body(outcome)).model_dump()
    return outcome.status, ChatFailure.model_validate(_failure_body(started, outcome)).model_dump()


def record(started: Started, outcome: Outcome) -> StoredResponse:
    """What an Idempotency-Key keeps of a turn, enough for `replay` to repeat it."""
    if isinstance(outcome, Failed):
        return StoredResponse(outcome.status, _failure_body(started, outcome))
    body = {
        **_answer_body(outcome),
        "user_message_id": started.user_message_id,
        "usage": asdict(outcome.done.usage),
    }
    return StoredResponse(200, body)


async def replay(stored: StoredResponse) -> AsyncIterator[ChatEvent]:
    """A stored turn as the events it first produced (text as one delta)."""
    body = stored.body
    yield Started(body["conversation_id"], body["user_message_id"])
    if stored.status != 200:
        yield Failed(body["code"], body["detail"], stored.status)
        return
    if body["response"]:
        yield TextDelta(body["response"])
    for call in body["tool_calls"]:
        yield ToolCall(call["id"], call["name"], call["arguments"])
        yield ToolResult(call["id"], call["name"], call["output"], call["is_error"])
    done = Done(body["response"], body["tool_calls"], Usage(**body["usage"]))
    yield Finished(done, body["conversation_id"], body["message_id"])


def _answer_body(finished: Finished) -> dict[str, Any]:
    return {
        "conversation_id": finished.conversation_id,
        "message_id": finished.message_id,
        "response": finished.done.response,
        "tool_calls": finished.done.tool_calls,
    }


def _failure_body(started: Started, failed: Failed) -> dict[str, Any]:
    return {**asdict(started), "code": failed.code, "detail": failed.detail}
