"""The `todo` MCP server (MCP Python SDK high-level server): one in process for the chat
agent, one over HTTP for other clients (mcp_tools/http.py), both for the app's lifetime."""

import re
from importlib.metadata import version
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, GetPromptResult, InputRequiredResult
from pydantic import ValidationError

from backend.db.engine import SessionMaker
from mcp_tools.tasks import register_task_tools
from mcp_tools.undo import register_undo_tool

PACKAGE = "todo-chat"
SERVER_NAME = "todo"
INSTRUCTIONS = "Tools to manage the authenticated user's todo list."
_FRAMING = re.compile(r"^Error executing tool \S+: ")


def readable_tool_error(error: ToolError) -> str:
    """A failed call's text for a person (docs/api.md §7): the tool's own sentence, or which
    argument is wrong and why, without mcp's framing or pydantic's report."""
    cause = error.__cause__
    if isinstance(cause, ValidationError):
        problems = [
            f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}"
            for problem in cause.errors(include_url=False, include_input=False)
        ]
        return "Invalid arguments: " + "; ".join(problems) + "."
    return _FRAMING.sub("", str(error))


class TodoServer(MCPServer[Any]):
    """Every MCP client, not only our bridge, gets readable tool errors, the package's version
    as `serverInfo.version`, and `-32602` for a prompt that does not exist."""

    def __init__(self, **options: Any) -> None:
        super().__init__(
            SERVER_NAME,
            instructions=INSTRUCTIONS,
            version=version(PACKAGE),
            log_level="WARNING",
            **options,
        )

    async def get_prompt(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        context: Context[Any, Any] | None = None,
    ) -> GetPromptResult | InputRequiredResult:
        # mcp answers an unknown name with a ValueError: JSON-RPC code 0 and a traceback at
        # ERROR for what is the client's mistake (the MCP spec asks for invalid params).
        if name not in {prompt.name for prompt in await self.list_prompts()}:
            raise MCPError(INVALID_PARAMS, f"Unknown prompt: {name}", {"name": name})
        return await super().get_prompt(name, arguments, context)

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise  # a crash: its text is already generic, and the server logs it
        except ToolError as error:
            # Same cause, so mcp still logs a rejected call by field names only.
            raise ToolError(readable_tool_error(error)) from error.__cause__


def register_todo_tools(server: MCPServer, sessionmaker: SessionMaker) -> None:
    """Every tool of the `todo` server, the same in process and over /mcp."""
    register_task_tools(server, sessionmaker)
    register_undo_tool(server, sessionmaker)


def create_todo_server(sessionmaker: SessionMaker) -> MCPServer:
    """The in-process server our chat agent uses (through mcp_tools/bridge.py)."""
    server = TodoServer()
    register_todo_tools(server, sessionmaker)
    return server
