"""MCP Inspector's CLI (from npm, pinned) against /mcp over real HTTP: a second, independent
client implementation. Needs Node.js and npm (npx): without them this fails, it never skips."""

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.mcp_tools.remote import served, token
from tests.mcp_tools.test_tasks import TOOLS
from tests.processes import REPO
from tests.rows import all_task_rows

# Unpinned, npx resolves an old Inspector without --header on Node 20.
INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"
# The first run downloads the Inspector (~40 s); later runs take it from this cache.
INSPECTOR_TIMEOUT = 300
AUTH_REQUIRED_EXIT = 3


def npm_cache() -> Path:
    """A writable npm cache that outlives the test run (the home directory may be read-only)."""
    configured = os.environ.get("npm_config_cache") or os.environ.get("NPM_CONFIG_CACHE")
    return Path(configured) if configured else REPO / ".cache" / "npm"


async def inspector(url: str, bearer: str, *arguments: str) -> tuple[int, str, str]:
    """Run the Inspector's CLI on `url`/mcp with the bearer token: (exit code, stdout, stderr)."""
    npx = shutil.which("npx")
    assert npx, "npx is not on PATH: this test runs MCP Inspector, install Node.js 20+ with npm"
    env = {
        **os.environ,
        "npm_config_cache": str(npm_cache()),
        "npm_config_update_notifier": "false",
        "npm_config_prefer_offline": "true",  # the pinned version, once cached, is enough
    }
    process = await asyncio.create_subprocess_exec(
        *(npx, "-y", INSPECTOR, "--cli", f"{url}/mcp", "--transport", "http"),
        *("--header", f"Authorization: Bearer {bearer}", *arguments),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        async with asyncio.timeout(INSPECTOR_TIMEOUT):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"MCP Inspector gave no answer in {INSPECTOR_TIMEOUT}s") from None
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def answer(code: int, out: str, err: str) -> Any:
    assert code == 0, f"exit {code}\n{out}\n{err[-3000:]}"
    return json.loads(out)


async def test_inspector_lists_the_tools_then_calls_one(
    settings: Settings, database: str, db_engine: AsyncEngine
) -> None:
    async with served(settings) as url:
        listed = answer(*await inspector(url, token("alice"), "--method", "tools/list"))
        called = answer(
            *await inspector(
                url,
                token("alice"),
                *("--method", "tools/call", "--tool-name", "add_task"),
                *("--tool-arg", "title=Buy milk"),
            )
        )
    assert {tool["name"] for tool in listed["tools"]} == set(TOOLS)
    assert called["structuredContent"] == {"task_id": 1, "status": "created", "title": "Buy milk"}
    assert await all_task_rows(db_engine) == [("alice", 1, "Buy milk", None, False)]


async def test_inspector_is_refused_with_a_bad_token(settings: Settings, database: str) -> None:
    async with served(settings) as url:
        code, out, err = await inspector(url, "not-a-token", "--method", "tools/list")
    assert code == AUTH_REQUIRED_EXIT, f"exit {code}\n{out}\n{err[-3000:]}"
