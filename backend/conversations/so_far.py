"""An answer as far as it got: the text written and the tool calls that returned, gathered
from a turn's events. What a failed answer keeps (docs/api.md §8): by the run itself when the
turn fails, and by the server that takes over a run whose server died (backend/runs)."""

from dataclasses import dataclass, field
from typing import Any

from agent.events import TextDelta, ToolCall, ToolResult


@dataclass
class AnswerSoFar:
    texts: list[str] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    _pending: dict[str, ToolCall] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def add(self, event: object) -> None:
        if isinstance(event, TextDelta):
            self.texts.append(event.text)
        elif isinstance(event, ToolCall):
            self._pending[event.id] = event
        elif isinstance(event, ToolResult) and event.id in self._pending:
            call = self._pending.pop(event.id)
            # A call that never returned is left out, as with a stop.
            self.tool_calls.append(
                {
                    "id": call.id,
                    "name": call.name,
                    "arguments": call.arguments,
                    "output": event.output,
                    "is_error": event.is_error,
                }
            )
