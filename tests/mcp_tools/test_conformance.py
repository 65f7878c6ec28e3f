"""The MCP conformance suite (@modelcontextprotocol/conformance 0.1.16 from npm, pinned by
tests/conformance/package-lock.json with the Node 22 it needs) against /mcp over real HTTP.
The suite sends no Authorization header: the app is served behind a proxy that adds a valid
bearer token and changes nothing else (the Host header reaches /mcp as the suite sent it, so
DNS-rebinding protection is really tested). docs/mcp.md "Conformance" says which scenarios run
and why the others do not apply. Needs Node.js and npm: without them this fails, never skips."""

import asyncio
import os
import re
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.mcp_tools.remote import token
from tests.npm import npm_ci
from tests.processes import REPO, free_port

SUITE_DIR = REPO / "tests" / "conformance"
# The scenarios for a server with tools of its own (docs/mcp.md "Conformance"); the suite's
# others call fixture tools, prompts and resources a product server does not have.
SCENARIOS = [
    "server-initialize",
    "ping",
    "tools-list",
    "resources-list",
    "prompts-list",
    "dns-rebinding-protection",
]
SUITE_TIMEOUT = 120


def with_bearer(app: ASGIApp, bearer: str) -> ASGIApp:
    """The proxy: every HTTP request gets `Authorization: Bearer <bearer>`, nothing else changes."""
    header = (b"authorization", f"Bearer {bearer}".encode())

    async def proxied(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            kept = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
            scope = {**scope, "headers": [*kept, header]}
        await app(scope, receive, send)

    return proxied


async def conformance(bin_dir: Path, url: str, scenario: str, output: Path) -> tuple[int, str]:
    """Run one server scenario on `url` with the Node 22 from npm first on PATH."""
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    process = await asyncio.create_subprocess_exec(
        *(str(bin_dir / "conformance"), "server", "--url", url, "--scenario", scenario),
        *("--output-dir", str(output)),
        cwd=SUITE_DIR, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    async with asyncio.timeout(SUITE_TIMEOUT):
        out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


def plain(out: str) -> str:
    """The suite's output without its terminal colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", out)


@pytest.fixture
def engine(database: str, db_engine: AsyncEngine) -> AsyncEngine:
    return db_engine


async def test_the_conformance_scenarios_that_apply_pass(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    await npm_ci(SUITE_DIR)
    bin_dir = SUITE_DIR / "node_modules" / ".bin"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"public_url": url}))
    async with serving(with_bearer(app, token("conformance")), port):  # type: ignore[arg-type]
        results = {  # one at a time: seven Node processes at once are slower on two cores
            name: await conformance(bin_dir, f"{url}/mcp", name, tmp_path / name)
            for name in SCENARIOS
        }

    # A scenario that cannot test anything here (no session id, say) passes with a warning.
    failed = {
        name: out[-3000:]
        for name, (code, out) in results.items()
        if code != 0 or " 0 failed, 0 warnings" not in plain(out)
    }
    assert not failed, "\n".join(f"=== {name}\n{out}" for name, out in failed.items())
