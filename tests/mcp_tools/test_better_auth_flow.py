"""The whole sign-in of an MCP host with real parts (docs/mcp.md "Signing in with OAuth"): a
real Better Auth 1.7 (JWT and OAuth provider plugins, its own port and store) beside todo-chat
configured for both kinds of token. The official Python MCP client's OAuth support does what
Claude, VS Code or mcp-remote do: discovery from the 401, dynamic client registration,
authorization code with PKCE for a person signed in to Better Auth (the test is their browser
on the consent page), the token, the tools, a refresh. The same person's session JWT, the one
the chat page holds, then reads the task over REST, and each token is refused on the other's
surface."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import jwt
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.mcp_tools.better_auth import (
    BetterAuth,
    Person,
    better_auth,
    session_jwt,
    sign_in_and_consent,
    signed_up,
)
from tests.mcp_tools.remote import post_tools_list
from tests.mcp_tools.test_tasks import TOOLS
from tests.processes import free_port

# Nothing listens here: the browser stops at the redirect, as a host's loopback listener would.
REDIRECT_URI = "http://127.0.0.1:9/callback"


class Host:
    """What an MCP host keeps (its registration, its tokens) and does (open the browser on
    the authorization URL, read the code from the redirect) for one person."""

    def __init__(self, auth: BetterAuth, person: Person) -> None:
        self.auth = auth
        self.person = person
        self.tokens: list[OAuthToken] = []
        self.client_info: OAuthClientInformationFull | None = None
        self.redirected_to: str | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens[-1] if self.tokens else None

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens.append(tokens)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info

    async def open_browser(self, authorization_url: str) -> None:
        self.redirected_to = await sign_in_and_consent(self.auth, self.person, authorization_url)

    async def read_callback(self) -> AuthorizationCodeResult:
        assert self.redirected_to is not None
        assert self.redirected_to.startswith(f"{REDIRECT_URI}?"), self.redirected_to
        query = parse_qs(urlsplit(self.redirected_to).query)
        return AuthorizationCodeResult(
            code=query["code"][0], state=query["state"][0], iss=query.get("iss", [None])[0]
        )

    def oauth(self, url: str) -> OAuthClientProvider:
        metadata = OAuthClientMetadata(
            client_name="an MCP host",
            redirect_uris=[AnyUrl(REDIRECT_URI)],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        )
        return OAuthClientProvider(
            f"{url}/mcp", metadata, self, self.open_browser, self.read_callback
        )


@asynccontextmanager
async def mcp_client(url: str, oauth: OAuthClientProvider) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(auth=oauth) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
    ):
        yield client


def both_kinds(settings: Settings, auth: BetterAuth, url: str) -> Settings:
    """todo-chat as docs/deploy.md configures it beside Better Auth."""
    return settings.model_copy(
        update={
            "auth_secret": None,
            "auth_jwks_url": auth.jwks_url,
            "auth_issuer": auth.base,
            "auth_audience": auth.base,
            "mcp_auth_issuer": auth.oauth_issuer,
            "public_url": url,
        }
    )


async def rest_tasks(url: str, person: Person, token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as http:
        headers = {"Authorization": f"Bearer {token}"}
        return await http.get(f"/api/{person.id}/tasks", headers=headers)


async def test_an_mcp_host_signs_in_with_better_auth_and_the_page_token_still_works(
    settings: Settings, db_engine: AsyncEngine, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "better-auth.log"
    async with (
        better_auth(f"{url}/mcp", settings.mcp_scope, log) as auth,
        serving(create_app(both_kinds(settings, auth, url)), port),
        signed_up(auth, "alice@example.test") as alice,
    ):
        host = Host(auth, alice)
        oauth = host.oauth(url)
        async with mcp_client(url, oauth) as client:
            listed = await client.list_tools()
            added = await client.call_tool("add_task", {"title": "Buy oat milk"})
        first = host.tokens[-1]

        oauth.context.token_expiry_time = time.time() - 1  # as an hour passing would
        async with mcp_client(url, oauth) as client:
            after_refresh = await client.call_tool("list_tasks", {})
        refreshed = host.tokens[-1]

        page_token = await session_jwt(alice)
        on_rest = await rest_tasks(url, alice, page_token)
        access_on_rest = await rest_tasks(url, alice, refreshed.access_token)
        page_token_on_mcp = await post_tools_list(url, {"Authorization": f"Bearer {page_token}"})

    assert host.client_info is not None
    assert host.client_info.client_id  # the host registered itself
    assert first.refresh_token
    claims = jwt.decode(first.access_token, options={"verify_signature": False})
    assert claims["iss"] == auth.oauth_issuer
    assert f"{url}/mcp" in claims["aud"]
    assert claims["sub"] == alice.id
    assert "todo" in claims["scope"].split()
    page_claims = jwt.decode(page_token, options={"verify_signature": False})
    assert page_claims["iss"] == page_claims["aud"] == auth.base
    assert page_claims["sub"] == alice.id
    assert {tool.name for tool in listed.tools} >= set(TOOLS)
    assert not added.is_error, added.content
    assert len(host.tokens) == 2
    assert refreshed.access_token != first.access_token
    assert not after_refresh.is_error, after_refresh.content
    assert [task["title"] for task in (after_refresh.structured_content or {})["tasks"]] == [
        "Buy oat milk"
    ]
    assert on_rest.status_code == 200, on_rest.text
    assert [task["title"] for task in on_rest.json()["tasks"]] == ["Buy oat milk"]
    assert access_on_rest.status_code == 401
    assert page_token_on_mcp.status_code == 401
    assert 'error="invalid_token"' in page_token_on_mcp.headers["www-authenticate"]
