"""The pinned npm packages some tests run (a real Better Auth, the MCP conformance suite):
`npm ci` in their folder under tests/ unless already done (.ci/run does it first; a
developer's first run does it here). Needs Node.js 20+ with npm: without them a test fails,
it never skips."""

import asyncio
import os
import shutil
from pathlib import Path

from tests.mcp_tools.test_inspector import npm_cache

# A first install downloads the packages (~40 s); later ones come from the npm cache.
INSTALL_TIMEOUT = 300


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not on PATH: install Node.js 20+ with npm to run this test"
    return found


async def npm_ci(folder: Path) -> None:
    """Install `folder`'s packages exactly as its package-lock.json pins them, once."""
    if (folder / "node_modules" / ".package-lock.json").exists():
        return
    env = {
        **os.environ,
        "npm_config_cache": str(npm_cache()),
        "npm_config_update_notifier": "false",
    }
    process = await asyncio.create_subprocess_exec(
        *(tool("npm"), "ci", "--no-audit", "--no-fund", "--prefer-offline"),
        cwd=folder, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    async with asyncio.timeout(INSTALL_TIMEOUT):
        out, _ = await process.communicate()
    assert process.returncode == 0, f"npm ci in {folder} failed:\n{out.decode()[-3000:]}"
