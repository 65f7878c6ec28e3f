"""The run context: who is chatting. Passed to the Runner, never sent to the model."""

from dataclasses import dataclass, field

from mcp_tools.budget import ToolBudget


@dataclass
class ChatContext:
    user_id: str
    conversation_id: int
    budget: ToolBudget = field(default_factory=ToolBudget)

    @classmethod
    def for_turn(
        cls, user_id: str, conversation_id: int, *, max_tool_calls: int, max_destructive_calls: int
    ) -> "ChatContext":
        return cls(user_id, conversation_id, ToolBudget(max_tool_calls, max_destructive_calls))
