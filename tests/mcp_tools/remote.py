"""The whole app under uvicorn on a loopback port, reached at /mcp as a remote MCP client
would: the official Python client with a bearer token, or plain HTTP."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from backend.auth.tokens import issue_token
from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.processes import free_port
from tests.tokens import TEST_SECRET

METADATA_PATH = "/.well-known/oauth-protected-resource/mcp"
# What a Streamable HTTP client sends with each JSON-RPC POST.
JSON_RPC_HEADERS = {"Accept": "application/json, text/event-stream"}


def token(user: str, *, ttl: timedelta = timedelta(hours=1), **claims: Any) -> str:
    return issue_token(TEST_SECRET, user, ttl, **claims)


def bearer(user: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user, **claims)}"}


@asynccontextmanager
async def served(settings: Settings, **overrides: Any) -> AsyncIterator[str]:
    """The app (settings changed by `overrides`) on a free port it knows as its PUBLIC_URL;
    yields that URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"public_url": url, **overrides}))
    async with serving(app, port) as served_url:
        assert served_url == url
        yield url


@asynccontextmanager
async def mcp_client(
    url: str, headers: dict[str, str], mode: str = "auto"
) -> AsyncIterator[Client]:
    """The official MCP client on `url`/mcp, sending `headers` with every request. `mode`:
    "auto" (the newest protocol) or "legacy" (the initialize handshake)."""
    async with (
        httpx2.AsyncClient(headers=headers) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http), mode=mode) as client,
    ):
        yield client


async def post_tools_list(url: str, headers: dict[str, str]) -> httpx.Response:
    """One raw JSON-RPC `tools/list` POST to /mcp."""
    async with httpx.AsyncClient(base_url=url) as http:
        return await http.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
            headers={**JSON_RPC_HEADERS, **headers},
        )
