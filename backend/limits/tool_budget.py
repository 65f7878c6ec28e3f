"""Per-turn limits on tool calls, enforced where tools are called (the bridge)."""

from dataclasses import dataclass

DESTRUCTIVE_TOOLS = frozenset({"delete_task"})


@dataclass
class ToolBudget:
    """Mutable, but one per chat turn: never shared between runs."""

    max_calls: int = 12
    max_destructive_calls: int = 3
    calls: int = 0
    destructive_calls: int = 0
    exceeded: str | None = None

    def charge(self, tool_name: str) -> str | None:
        """Count one call; return the name of the limit it breaks, if any."""
        self.calls += 1
        if tool_name in DESTRUCTIVE_TOOLS:
            self.destructive_calls += 1
        if self.calls > self.max_calls:
            self.exceeded = "tool_calls_per_turn"
        elif self.destructive_calls > self.max_destructive_calls:
            self.exceeded = "destructive_tool_calls_per_turn"
        return self.exceeded
