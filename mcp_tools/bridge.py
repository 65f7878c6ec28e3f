"""The Agents SDK side of the in-process MCP connection.

`InProcessMCPServer` is an `agents.mcp.MCPServer` whose transport is `mcp.Client(server)`:
the SDK's tool calls go through the real MCP protocol handlers in this process, with no
subprocess, socket or HTTP hop. One instance serves every chat: the per-turn caller (user,
budget, time zone) comes from the run context, which the model never sees, and is written into the
request `_meta` by `_caller_meta`.
"""

import uuid
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from agents.mcp import MCPServer as AgentsMCPServer
from agents.mcp import MCPToolCustomDataContext, MCPToolMetaContext
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp.types import (
    CallToolResult,
    GetPromptResult,
    ListPromptsResult,
    RequestParamsMeta,
    Tool,
)

from backend.limits.tool_budget import ToolBudget
from mcp_tools.identity import (
    CONVERSATION_META_KEY,
    RUN_META_KEY,
    SOURCE_META_KEY,
    TIMEZONE_META_KEY,
    USER_META_KEY,
)
from mcp_tools.results import tool_error

LIMIT_META_KEY = "todo-chat/limit_exceeded"


class Caller(Protocol):
    """What the bridge needs from the run context (agent.context.ChatContext)."""

    @property
    def user_id(self) -> str: ...

    @property
    def budget(self) -> ToolBudget: ...

    @property
    def timezone(self) -> ZoneInfo: ...

    @property
    def conversation_id(self) -> int: ...

    @property
    def source(self) -> str: ...

    @property
    def run_id(self) -> uuid.UUID | None: ...


def _caller_meta(ctx: MCPToolMetaContext) -> dict[str, Any]:
    caller: Caller = ctx.run_context.context
    meta: dict[str, Any] = {
        USER_META_KEY: caller.user_id,
        TIMEZONE_META_KEY: caller.timezone.key,
        SOURCE_META_KEY: caller.source,
        CONVERSATION_META_KEY: caller.conversation_id,
    }
    if caller.run_id is not None:
        meta[RUN_META_KEY] = str(caller.run_id)
    exceeded = caller.budget.charge(ctx.tool_name)
    if exceeded:
        meta[LIMIT_META_KEY] = exceeded
    return meta


def _tool_result_data(ctx: MCPToolCustomDataContext) -> dict[str, Any]:
    """Keep what the SDK's tool-output item drops: the structured result and `is_error`."""
    structured = dict(ctx.structured_content) if ctx.structured_content else None
    return {"is_error": ctx.is_error, "structured": structured}


class InProcessMCPServer(AgentsMCPServer):
    def __init__(
        self, server: MCPServer, *, require_approval: dict[str, str] | None = None
    ) -> None:
        """`require_approval`: tool name -> "always" for the calls that wait for the person
        (mcp_tools/confirm.py); the SDK reads it when it converts the listed tools."""
        super().__init__(
            use_structured_content=True,
            require_approval=cast(Any, require_approval),
            tool_meta_resolver=_caller_meta,
            custom_data_extractor=_tool_result_data,
        )
        self._server = server
        self._client: Client | None = None
        self._tools: list[Tool] | None = None

    @property
    def name(self) -> str:
        return self._server.name

    async def connect(self) -> None:
        # Entered and left in the lifespan task: anyio cancel scopes must not change task.
        self._client = Client(self._server)
        await self._client.__aenter__()
        self._tools = (await self._client.list_tools()).tools

    async def cleanup(self) -> None:
        if self._client is not None:
            await self._client.__aexit__(None, None, None)
            self._client = None

    async def list_tools(self, run_context: Any = None, agent: Any = None) -> list[Tool]:
        if self._tools is None:
            raise RuntimeError("the in-process MCP server is not connected")
        return self._tools

    @property
    def cached_tools(self) -> list[Tool] | None:
        return self._tools

    async def call_tool(
        self, tool_name: str, arguments: dict[str, Any] | None, meta: dict[str, Any] | None = None
    ) -> CallToolResult:
        if self._client is None:
            raise RuntimeError("the in-process MCP server is not connected")
        if meta and meta.get(LIMIT_META_KEY):
            return tool_error(f"Refused: this turn reached its limit ({meta[LIMIT_META_KEY]}).")
        # Error texts arrive readable already (mcp_tools/server.py).
        return await self._client.call_tool(
            tool_name, arguments or {}, meta=cast(RequestParamsMeta | None, meta)
        )

    async def list_prompts(self) -> ListPromptsResult:
        return ListPromptsResult(prompts=[])

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None
    ) -> GetPromptResult:
        raise KeyError(name)
