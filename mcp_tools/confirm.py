"""Which tool calls a chat run pauses on until the person decides (CHAT_CONFIRM).

`deletes`: the tools that delete; `changes`: every tool that writes (not marked read-only);
`none`: nothing waits. The answer is the Agents SDK's MCP `require_approval` mapping."""

from collections.abc import Sequence
from typing import Literal

from mcp.types import Tool

ConfirmMode = Literal["deletes", "changes", "none"]

DELETING_TOOLS = frozenset({"delete_task"})


def needs_confirmation(mode: ConfirmMode, tool: Tool) -> bool:
    if mode == "deletes":
        return tool.name in DELETING_TOOLS
    if mode == "changes":
        return not (tool.annotations is not None and tool.annotations.read_only_hint)
    return False


def approval_policy(mode: ConfirmMode, tools: Sequence[Tool]) -> dict[str, str] | None:
    """`require_approval` for the bridge: tool name -> "always", None when nothing waits."""
    waiting = {tool.name: "always" for tool in tools if needs_confirmation(mode, tool)}
    return waiting or None
