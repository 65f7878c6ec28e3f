"""A real Better Auth (tests/better_auth/server.mjs: Node, from npm, pinned by its lockfile) on
a free loopback port with an in-memory store, and a browser's part in it: signing up, and the
consent page's answer to an OAuth authorization request. Needs Node.js 20+ with npm: without
them this fails, it never skips."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.npm import npm_ci, tool
from tests.processes import REPO, answers, free_port, subprocess_running, until

SERVER_DIR = REPO / "tests" / "better_auth"


@dataclass(frozen=True)
class BetterAuth:
    base: str  # its base URL: the session JWTs' iss and aud

    @property
    def oauth_issuer(self) -> str:
        return f"{self.base}/api/auth"

    @property
    def jwks_url(self) -> str:
        return f"{self.base}/api/auth/jwks"


@asynccontextmanager
async def better_auth(resource: str, scope: str, log: Path) -> AsyncIterator[BetterAuth]:
    """Better Auth whose OAuth provider has one resource (`resource`, todo-chat's /mcp URL)."""
    await npm_ci(SERVER_DIR)
    port = free_port()
    env = {
        **os.environ,
        "BETTER_AUTH_PORT": str(port),
        "MCP_RESOURCE": resource,
        "MCP_SCOPE": scope,
    }
    args = [tool("node"), str(SERVER_DIR / "server.mjs")]
    async with subprocess_running(args, env=env, cwd=SERVER_DIR, log=log) as process:
        running = BetterAuth(f"http://127.0.0.1:{port}")
        await until(lambda: answers(running.jwks_url), process, log)
        yield running


@dataclass(frozen=True)
class Person:
    """Someone signed in to Better Auth in a browser: its session cookie lives in `browser`."""

    id: str
    browser: httpx.AsyncClient


@asynccontextmanager
async def signed_up(auth: BetterAuth, email: str) -> AsyncIterator[Person]:
    """Sign up with email and password as the sign-up form does (it signs the person in)."""
    async with httpx.AsyncClient(base_url=auth.base, headers={"Origin": auth.base}) as browser:
        response = await browser.post(
            "/api/auth/sign-up/email",
            json={"email": email, "password": "a long enough password", "name": "Alice"},
        )
        assert response.status_code == 200, response.text
        yield Person(id=response.json()["user"]["id"], browser=browser)


async def session_jwt(person: Person) -> str:
    """The session JWT the chat page holds: Better Auth's JWT plugin, from /api/auth/token."""
    response = await person.browser.get("/api/auth/token")
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def consent(person: Person, authorization_url: str) -> str:
    """What the browser does with an MCP host's authorization URL: Better Auth sends the
    signed-in person to its consent page, whose form accepts; returns where Better Auth sends
    the browser then (the host's redirect URI with the code)."""
    to_consent = await person.browser.get(authorization_url)
    assert to_consent.is_redirect, to_consent.text
    consent_page = urlsplit(to_consent.headers["location"])
    assert consent_page.path == "/consent", to_consent.headers["location"]
    accepted = await person.browser.post(
        "/api/auth/oauth2/consent", json={"accept": True, "oauth_query": consent_page.query}
    )
    assert accepted.status_code == 200, accepted.text
    redirect: str = accepted.json()["url"]
    return redirect
