"""Our typed events for one chat turn, independent of the SDK's stream types."""

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolResult:
    id: str
    name: str
    output: Any
    is_error: bool


@dataclass(frozen=True, slots=True)
class Usage:
    """What the turn's model calls reported, summed (docs/api.md, usage)."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    model: str = ""


RunStatus = Literal["completed", "stopped", "awaiting_approval"]


@dataclass(frozen=True, slots=True)
class Done:
    """The turn's answer: all of it, what was written before a stop (`stopped`), or what
    was written before tool calls that wait for the person (`awaiting_approval`: `waiting`
    lists them, as {"id", "tool", "arguments"}, and `paused_state` is the run to resume)."""

    response: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    status: RunStatus = "completed"
    waiting: list[dict[str, Any]] = field(default_factory=list)
    paused_state: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    """The turn ended without an answer. `status` is the HTTP status for JSON clients."""

    code: str
    detail: str
    status: int = 502


AgentEvent = TextDelta | ToolCall | ToolResult | Done | Failed
