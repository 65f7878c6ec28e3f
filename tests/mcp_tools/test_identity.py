"""Whose tasks a call touches when no verified token is there: the bridge's `_meta` in
process, and nothing at all over HTTP (even on a server mounted without auth by mistake)."""

from typing import cast

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import RequestParamsMeta
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db.engine import create_sessionmaker
from mcp_tools.identity import USER_META_KEY
from mcp_tools.server import create_todo_server
from tests.mcp_tools.test_tasks import text_of
from tests.rows import all_task_rows

FORGED = cast(RequestParamsMeta, {USER_META_KEY: "bob"})


async def test_in_process_the_owner_is_the_bridges_meta(
    db_engine: AsyncEngine, database: str
) -> None:
    async with Client(create_todo_server(create_sessionmaker(db_engine))) as client:
        result = await client.call_tool("add_task", {"title": "From chat"}, meta=FORGED)
    assert not result.is_error
    assert await all_task_rows(db_engine) == [("bob", 1, "From chat", None, False)]


async def test_over_http_without_a_token_meta_is_not_trusted(
    db_engine: AsyncEngine, database: str
) -> None:
    server = create_todo_server(create_sessionmaker(db_engine))
    app = server.streamable_http_app(stateless_http=True, json_response=True)
    transport = httpx2.ASGITransport(app=app)
    async with (
        server.session_manager.run(),
        httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http,
        Client(streamable_http_client("http://127.0.0.1:8000/mcp", http_client=http)) as client,
    ):
        result = await client.call_tool("add_task", {"title": "Forged"}, meta=FORGED)
    assert result.is_error
    assert text_of(result) == "This tool needs a bearer token."
    assert await all_task_rows(db_engine) == []
