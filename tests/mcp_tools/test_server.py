"""What any MCP client sees of the `todo` server at /mcp, over real HTTP: the package's
version in `serverInfo`, and `-32602` (invalid params) for a prompt or resource that does not
exist, logged as the client's mistake (nothing above INFO), as the MCP conformance suite's
`prompts-get-*` scenarios expect."""

import logging
from importlib.metadata import version
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.mcp_tools.remote import JSON_RPC_HEADERS, bearer, mcp_client, served
from tests.mcp_tools.test_http import MODES

INVALID_PARAMS = -32602


@pytest.fixture
def engine(database: str, db_engine: AsyncEngine) -> AsyncEngine:
    return db_engine


@pytest.mark.parametrize("mode", MODES)
async def test_server_info_names_the_package_version(
    settings: Settings, engine: AsyncEngine, mode: str
) -> None:
    async with served(settings) as url, mcp_client(url, bearer("alice"), mode) as client:
        assert client.server_info is not None
        assert client.server_info.version == version("todo-chat")
    assert version("todo-chat")


async def rpc_error(url: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """One raw JSON-RPC request to /mcp that must fail; its `error` member."""
    request = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.post(
            "/mcp", json=request, headers={**JSON_RPC_HEADERS, **bearer("alice")}
        )
    answer = response.json()
    assert answer["id"] == 7, answer
    assert "result" not in answer, answer
    error: dict[str, Any] = answer["error"]
    return error


@pytest.mark.parametrize(
    ("method", "params", "named"),
    [
        ("prompts/get", {"name": "no-such-prompt"}, "no-such-prompt"),
        ("prompts/get", {"name": "no-such-prompt", "arguments": {"a": "b"}}, "no-such-prompt"),
        ("resources/read", {"uri": "todo://no/such/resource"}, "todo://no/such/resource"),
    ],
)
async def test_an_unknown_prompt_or_resource_is_invalid_params_and_no_alarm(
    settings: Settings,
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
    method: str,
    params: dict[str, Any],
    named: str,
) -> None:
    async with served(settings) as url:
        with caplog.at_level(logging.DEBUG):
            error = await rpc_error(url, method, params)
    assert error["code"] == INVALID_PARAMS, error
    assert named in error["message"]
    alarms = [record for record in caplog.records if record.levelno > logging.INFO]
    assert alarms == [], [record.getMessage() for record in alarms]
