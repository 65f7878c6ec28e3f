"""How the authenticated user reaches a tool: in the MCP request's `_meta`, set server-side."""

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

# Namespaced so nothing a model produces can collide with it (models only fill `arguments`).
USER_META_KEY = "todo-chat/user_id"


def meta_for_user(user_id: str) -> dict[str, str]:
    return {USER_META_KEY: user_id}


async def current_user(ctx: Context) -> str:
    """Resolver for the `owner` parameter of every tool; never filled from model arguments.

    async on purpose: mcp runs a plain `def` resolver in a worker thread, on every call."""
    meta = ctx.request_context.meta or {}
    user_id = meta.get(USER_META_KEY)
    if not isinstance(user_id, str) or not user_id:
        raise ToolError("This tool can only be used in an authenticated chat.")
    return user_id
