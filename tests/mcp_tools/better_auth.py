"""A real Better Auth (tests/better_auth/server.mjs: Node, from npm, pinned by its lockfile) on
a free loopback port with an in-memory store, and a browser's part in it: signing up, and the
login and consent pages' answers to an OAuth authorization request. Needs Node.js 20+ with
npm: without them this fails, it never skips."""

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


PASSWORD = "a long enough password"


@dataclass(frozen=True)
class Person:
    """Someone with a Better Auth account, signed in in `browser` (its session cookie)."""

    id: str
    email: str
    browser: httpx.AsyncClient


@asynccontextmanager
async def signed_up(auth: BetterAuth, email: str) -> AsyncIterator[Person]:
    """Sign up with email and password as the sign-up form does (it signs the person in)."""
    async with browser_on(auth) as browser:
        response = await browser.post(
            "/api/auth/sign-up/email", json={"email": email, "password": PASSWORD, "name": "Alice"}
        )
        assert response.status_code == 200, response.text
        yield Person(id=response.json()["user"]["id"], email=email, browser=browser)


def browser_on(auth: BetterAuth) -> httpx.AsyncClient:
    """A browser's requests to Better Auth: cookies kept, the page's own Origin on each."""
    return httpx.AsyncClient(base_url=auth.base, headers={"Origin": auth.base})


async def session_jwt(person: Person) -> str:
    """The session JWT the chat page holds: Better Auth's JWT plugin, from /api/auth/token."""
    response = await person.browser.get("/api/auth/token")
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


async def sign_in_and_consent(auth: BetterAuth, person: Person, authorization_url: str) -> str:
    """What a browser where the person is not signed in yet does with an MCP host's
    authorization URL: Better Auth sends it to the login page, whose form signs in and resumes
    the request (`oauth_query`), then to the consent page, whose form accepts. Returns where
    Better Auth sends the browser then: the host's redirect URI with the code."""
    async with browser_on(auth) as browser:
        to_login = await browser.get(authorization_url)
        assert to_login.is_redirect, to_login.text
        login_page = urlsplit(to_login.headers["location"])
        assert login_page.path == "/sign-in", to_login.headers["location"]
        signed_in = await browser.post(
            "/api/auth/sign-in/email",
            json={"email": person.email, "password": PASSWORD, "oauth_query": login_page.query},
        )
        assert signed_in.status_code == 200, signed_in.text
        consent_page = urlsplit(signed_in.json()["url"])
        assert consent_page.path == "/consent", signed_in.text
        accepted = await browser.post(
            "/api/auth/oauth2/consent", json={"accept": True, "oauth_query": consent_page.query}
        )
        assert accepted.status_code == 200, accepted.text
        redirect: str = accepted.json()["url"]
        return redirect
