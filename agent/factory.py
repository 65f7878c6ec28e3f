"""Builds the one agent of the app: instructions, model and the in-process MCP tools."""

from collections.abc import Sequence

from agents import Agent, Model, ModelSettings
from agents.mcp import MCPServer, MCPUtil
from mcp.types import Tool as MCPTool

from agent.context import ChatContext
from agent.instructions import instructions_for


def build_agent(
    model: Model,
    tools: MCPServer,
    settings: ModelSettings,
    *,
    listed: Sequence[MCPTool] | None = None,
) -> Agent[ChatContext]:
    """Immutable after construction and shared by every chat: per-turn state lives in the
    run context (`ChatContext`), never on the agent.

    `listed`: the server's tools when its list never changes (our in-process server). They
    are then converted to SDK tools once, here; with `mcp_servers` the SDK lists and converts
    (deep-copies every schema) again before every model call. Calls still go through
    `tools.call_tool`, with its meta resolver and custom data extractor."""
    if listed is None:
        return Agent[ChatContext](
            name="todo-assistant",
            instructions=instructions_for,
            model=model,
            model_settings=settings,
            mcp_servers=[tools],
        )
    return Agent[ChatContext](
        name="todo-assistant",
        instructions=instructions_for,
        model=model,
        model_settings=settings,
        tools=[
            MCPUtil.to_function_tool(tool, tools, convert_schemas_to_strict=False)
            for tool in listed
        ],
    )
