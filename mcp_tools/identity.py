"""Whose tasks a tool call touches, and on whose clock. Never a tool argument:

- over HTTP (`/mcp`, mcp_tools/http.py): the subject of the bearer token the SDK's auth
  middleware verified; whatever the client sends in `_meta`, arguments or other headers is
  ignored;
- in process (a chat turn): the user our bridge (mcp_tools/bridge.py) writes into the
  request's `_meta`, which no network client can reach.

The user's time zone travels in `_meta` too (the bridge writes the chat's).
"""

import uuid
from zoneinfo import ZoneInfo

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from backend.activity.record import Origin, Source
from backend.fields import is_zone_name

# Namespaced so nothing a model produces can collide with it (models only fill `arguments`).
USER_META_KEY = "todo-chat/user_id"
TIMEZONE_META_KEY = "todo-chat/timezone"
# Where a chat turn's changes are recorded as coming from (backend/activity/record.py).
SOURCE_META_KEY = "todo-chat/source"
CONVERSATION_META_KEY = "todo-chat/conversation_id"
RUN_META_KEY = "todo-chat/run_id"


def meta_for_user(user_id: str, timezone: str = "UTC") -> dict[str, str]:
    return {USER_META_KEY: user_id, TIMEZONE_META_KEY: timezone}


def token_user() -> str | None:
    """The verified token's subject when the call came over HTTP with one, else None."""
    token = get_access_token()
    return token.subject if token is not None else None


async def current_user(ctx: Context) -> str:
    """Resolver for the `owner` parameter of every tool; never filled from model arguments.

    async on purpose: mcp runs a plain `def` resolver in a worker thread, on every call."""
    from_token = token_user()
    if from_token:
        return from_token
    if ctx.request_context.request is not None:
        # Came over the network without a verified token: `_meta` is the client's to write.
        raise ToolError("This tool needs a bearer token.")
    meta = ctx.request_context.meta or {}
    user_id = meta.get(USER_META_KEY)
    if not isinstance(user_id, str) or not user_id:
        raise ToolError("This tool can only be used in an authenticated chat.")
    return user_id


async def current_zone(ctx: Context) -> ZoneInfo:
    """Resolver for the user's time zone: dates without an offset are read on their clock.
    Not identity, so a remote MCP client may set it too; anything unknown means UTC."""
    meta = ctx.request_context.meta or {}
    name = meta.get(TIMEZONE_META_KEY)
    # Checked against the IANA list first: ZoneInfo(name) would open any path it is given.
    return ZoneInfo(name if isinstance(name, str) and is_zone_name(name) else "UTC")


async def current_origin(ctx: Context) -> Origin:
    """Resolver for what the activity record says made a change: over HTTP always `mcp`; in
    process, the chat surface, conversation and run the bridge wrote into `_meta`."""
    if ctx.request_context.request is not None or token_user():
        return Origin("mcp")
    meta = ctx.request_context.meta or {}
    source = meta.get(SOURCE_META_KEY)
    conversation = meta.get(CONVERSATION_META_KEY)
    run = meta.get(RUN_META_KEY)
    if source == "chatkit":
        chat_source: Source = "chatkit"
    elif source == "chat":
        chat_source = "chat"
    else:
        return Origin("mcp")
    return Origin(
        chat_source,
        conversation if isinstance(conversation, int) else None,
        uuid.UUID(run) if isinstance(run, str) else None,
    )
