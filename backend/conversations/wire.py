"""The wire forms of a chat turn (docs/api.md §8), all in one place.

A turn is a sequence of `ChatEvent`s. This module says what each one looks like to a client:
- `frame`: the SSE event name and JSON data of one event;
- `answer`: the JSON body (and status) a non-streaming client gets for the turn's last event;
- `record` / `replay`: the stored answer of an idempotent request, and the events it replays;
- `to_log` / `from_log`: an event as a run's log keeps it (backend/runs), and back;
- `event_id` / `parse_event_id`: the `id:` of an event, "<run>.<seq>" (opaque to clients).

Adding an event means: its dataclass (here, or in `agent.events` when the agent emits it),
a case in `frame` and `from_log`, and, when it can end a turn, a case in `answer`, `record`
and `replay`.
"""

import uuid
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
    # Only on a new version (docs/api.md "Versions"): the changes of the replaced answers
    # that stay, or the entries that undid them.
    kept_changes: list[dict[str, Any]] | None = None
    undone: list[dict[str, Any]] | None = None

    def body(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class Finished:
    """`Done`, after the answer was stored as message `message_id`."""

    done: Done
    conversation_id: int
    message_id: int


@dataclass(frozen=True)
class ApprovalAsked:
    """A tool call waits for the person's decision (sent before the `done` of a paused run)."""

    id: str
    tool: str
    arguments: dict[str, Any]
    summary: str


ChatEvent = Started | AgentEvent | ApprovalAsked | Finished
Outcome = Finished | Failed
FINAL_EVENTS = frozenset({"done", "error"})
# An event as a viewer sees it, with its id (None for an event that is not in the run's
# log, such as "the server is shutting down": a client then keeps the last id it saw).
Viewed = tuple[str | None, ChatEvent]


def frame(event: ChatEvent) -> tuple[str, dict[str, Any]]:
    """The SSE event name and JSON data of one chat event."""
    if isinstance(event, Started):
        return "conversation", event.body()
    if isinstance(event, TextDelta):
        return "delta", {"text": event.text}
    if isinstance(event, ToolCall):
        return "tool_call", asdict(event)
    if isinstance(event, ToolResult):
        return "tool_result", asdict(event)
    if isinstance(event, ApprovalAsked):
        return "approval", asdict(event)
    if isinstance(event, Finished):
        return "done", _answer_body(event)
    if isinstance(event, Failed):
        return "error", {"code": event.code, "detail": event.detail}
    raise TypeError(f"not a client event: {event!r}")


def answer(started: Started, outcome: Outcome) -> tuple[int, dict[str, Any]]:
    """The status and JSON body a non-streaming client gets for a turn that ended so."""
    if isinstance(outcome, Finished):
        body = {**_answer_body(outcome), **_version_notes(started)}
        return 200, ChatResponse.model_validate(body).model_dump(mode="json", exclude_unset=True)
    return outcome.status, ChatFailure.model_validate(_failure_body(started, outcome)).model_dump()


def record(started: Started, outcome: Outcome) -> StoredResponse:
    """What an Idempotency-Key keeps of a turn, enough for `replay` to repeat it."""
    if isinstance(outcome, Failed):
        return StoredResponse(outcome.status, _failure_body(started, outcome))
    body = {**_answer_body(outcome), "user_message_id": started.user_message_id}
    return StoredResponse(200, body)


async def replay(stored: StoredResponse) -> AsyncIterator[Viewed]:
    """A stored turn as the events it first produced (text as one delta), with ids that name
    no run: there is nothing to resume."""
    for number, event in enumerate(_replayed(stored.status, stored.body), start=1):
        yield f"replay.{number}", event


def _replayed(status: int, body: dict[str, Any]) -> list[ChatEvent]:
    events: list[ChatEvent] = [Started(body["conversation_id"], body["user_message_id"])]
    if status != 200:
        return [*events, Failed(body["code"], body["detail"], status)]
    if body["response"]:
        events.append(TextDelta(body["response"]))
    for call in body["tool_calls"]:
        events.append(ToolCall(call["id"], call["name"], call["arguments"]))
        events.append(ToolResult(call["id"], call["name"], call["output"], call["is_error"]))
    status_of_run = body.get("status", "completed")  # answers stored before runs could stop
    waiting = body.get("approvals", [])
    events.extend(ApprovalAsked(**asked) for asked in waiting)
    done = Done(
        body["response"], body["tool_calls"], Usage(**body["usage"]), status_of_run, waiting
    )
    return [*events, Finished(done, body["conversation_id"], body["message_id"])]


def to_log(event: ChatEvent) -> tuple[str, dict[str, Any]]:
    """An event as a run's log keeps it: its frame, and for an error the HTTP status a JSON
    viewer answers with."""
    name, data = frame(event)
    if isinstance(event, Failed):
        data["http_status"] = event.status
    return name, data


def from_log(name: str, data: dict[str, Any]) -> ChatEvent:
    """The event `to_log` kept."""
    if name == "conversation":
        notes = {name: data[name] for name in ("kept_changes", "undone") if name in data}
        return Started(data["conversation_id"], data["user_message_id"], **notes)
    if name == "delta":
        return TextDelta(data["text"])
    if name == "tool_call":
        return ToolCall(data["id"], data["name"], data["arguments"])
    if name == "tool_result":
        return ToolResult(data["id"], data["name"], data["output"], data["is_error"])
    if name == "approval":
        return ApprovalAsked(data["id"], data["tool"], data["arguments"], data["summary"])
    if name == "done":
        usage = Usage(**data["usage"])
        waiting = data.get("approvals", [])
        done = Done(data["response"], data["tool_calls"], usage, data["status"], waiting)
        return Finished(done, data["conversation_id"], data["message_id"])
    if name == "error":
        return Failed(data["code"], data["detail"], data["http_status"])
    raise ValueError(f"not a logged event: {name!r}")


def is_final(event: ChatEvent) -> bool:
    return isinstance(event, Finished | Failed)


def event_id(run: uuid.UUID, seq: int) -> str:
    return f"{run.hex}.{seq}"


def parse_event_id(value: str | None) -> tuple[uuid.UUID, int] | None:
    """The run and seq an event id names; None for anything else (ids are opaque to
    clients, so a malformed one is simply not a place to resume from)."""
    run, _, seq = (value or "").partition(".")
    if len(run) != 32 or not seq.isdigit() or len(seq) > 9:
        return None
    try:
        return uuid.UUID(hex=run), int(seq)
    except ValueError:
        return None


def _answer_body(finished: Finished) -> dict[str, Any]:
    body = {
        "conversation_id": finished.conversation_id,
        "message_id": finished.message_id,
        "response": finished.done.response,
        "tool_calls": finished.done.tool_calls,
        "status": finished.done.status,
        "usage": asdict(finished.done.usage),
    }
    if finished.done.status == "awaiting_approval":
        body["approvals"] = finished.done.waiting
    return body


def _version_notes(started: Started) -> dict[str, Any]:
    body = started.body()
    return {name: body[name] for name in ("kept_changes", "undone") if name in body}


def _failure_body(started: Started, failed: Failed) -> dict[str, Any]:
    return {
        "conversation_id": started.conversation_id,
        "user_message_id": started.user_message_id,
        "code": failed.code,
        "detail": failed.detail,
    }
