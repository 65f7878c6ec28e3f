"""One deployment, both kinds of token (docs/mcp.md "Signing in with OAuth"): the person's
session JWT on REST, OAuth access tokens for this resource on /mcp, each refused on the other's
surface, and RFC 6750 challenges that tell an MCP host what to ask for."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.mcp_tools.remote import METADATA_PATH, post_tools_list, served
from tests.mcp_tools.test_tasks import TOOLS
from tests.tokens import TEST_SECRET

# Better Auth's shape: its JWT plugin signs sessions as its base URL, its OAuth provider
# issues access tokens as <base>/api/auth.
BASE = "https://auth.example.test"
OAUTH_ISSUER = f"{BASE}/api/auth"


@pytest.fixture
def engine(database: str, db_engine: AsyncEngine) -> AsyncEngine:
    return db_engine


def both_kinds(settings: Settings) -> dict[str, Any]:
    return {"auth_issuer": BASE, "auth_audience": BASE, "mcp_auth_issuer": OAUTH_ISSUER}


def bearer(user: str, ttl: timedelta = timedelta(hours=1), **claims: Any) -> dict[str, str]:
    """A token with exactly these claims besides sub and the times (None leaves one out)."""
    now = datetime.now(UTC)
    payload = {"sub": user, "iat": now, "exp": now + ttl} | claims
    signed = jwt.encode({k: v for k, v in payload.items() if v is not None}, TEST_SECRET)
    return {"Authorization": f"Bearer {signed}"}


def session_token(user: str, **claims: Any) -> dict[str, str]:
    return bearer(user, iss=BASE, aud=BASE, **claims)


def access_token(url: str, user: str, **claims: Any) -> dict[str, str]:
    """What Better Auth's OAuth provider issues for this resource (RFC 9068's claims)."""
    defaults: dict[str, Any] = {"iss": OAUTH_ISSUER, "aud": [f"{url}/mcp"], "scope": "openid todo"}
    return bearer(user, **(defaults | claims))


async def rest_tasks(url: str, user: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as http:
        return await http.get(f"/api/{user}/tasks", headers=headers)


def challenge_of(response: httpx.Response) -> str:
    value: str = response.headers["www-authenticate"]
    return value


async def test_each_kind_works_on_its_own_surface_and_is_refused_on_the_other(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with served(settings, **both_kinds(settings)) as url:
        session, access = session_token("alice"), access_token(url, "alice")
        on_rest = await rest_tasks(url, "alice", session)
        on_mcp = await post_tools_list(url, access)
        access_on_rest = await rest_tasks(url, "alice", access)
        session_on_mcp = await post_tools_list(url, session)

    assert on_rest.status_code == 200
    assert on_mcp.status_code == 200
    assert {tool["name"] for tool in on_mcp.json()["result"]["tools"]} >= set(TOOLS)
    assert access_on_rest.status_code == 401
    assert access_on_rest.json()["code"] == "unauthorized"
    assert session_on_mcp.status_code == 401
    assert 'error="invalid_token"' in challenge_of(session_on_mcp)


@pytest.mark.parametrize(
    "claims",
    [
        {"ttl": timedelta(seconds=-120)},
        {"iss": "https://evil.example"},
        {"aud": ["https://other.example/mcp"]},
        {"aud": None},
    ],
    ids=["expired", "wrong-issuer", "another-resource", "no-audience"],
)
async def test_a_bad_access_token_gets_the_rfc_6750_challenge(
    settings: Settings, engine: AsyncEngine, claims: dict[str, Any]
) -> None:
    async with served(settings, **both_kinds(settings)) as url:
        response = await post_tools_list(url, access_token(url, "alice", **claims))

    assert response.status_code == 401
    challenge = challenge_of(response)
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert f'resource_metadata="{url}{METADATA_PATH}"' in challenge
    assert 'scope="todo"' in challenge
    assert "tools" not in response.text


async def test_an_access_token_without_the_scope_is_403_insufficient_scope(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with served(settings, **both_kinds(settings)) as url:
        response = await post_tools_list(url, access_token(url, "alice", scope="openid email"))

    assert response.status_code == 403
    challenge = challenge_of(response)
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="todo"' in challenge
    assert "tools" not in response.text


async def test_the_scope_is_a_setting(settings: Settings, engine: AsyncEngine) -> None:
    overrides = both_kinds(settings) | {"mcp_scope": "tasks:write"}
    async with served(settings, **overrides) as url:
        refused = await post_tools_list(url, access_token(url, "alice"))
        taken = await post_tools_list(url, access_token(url, "alice", scope="tasks:write"))

    assert refused.status_code == 403
    assert 'scope="tasks:write"' in challenge_of(refused)
    assert taken.status_code == 200


async def test_the_metadata_names_the_oauth_issuer_the_resource_and_the_scope(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with served(settings, **both_kinds(settings)) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            response = await http.get(METADATA_PATH)

    assert response.status_code == 200
    assert response.json() == {
        "resource": f"{url}/mcp",
        "authorization_servers": [OAUTH_ISSUER],
        "scopes_supported": ["todo"],
        "bearer_methods_supported": ["header"],
        "resource_name": "todo-chat",
    }


async def test_mcp_auth_issuer_defaults_to_auth_issuer(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with served(settings, auth_issuer=OAUTH_ISSUER) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            document = (await http.get(METADATA_PATH)).json()
        taken = await post_tools_list(url, access_token(url, "alice"))
        # Issued by the right server, but for no resource: not an access token for /mcp.
        untargeted = await post_tools_list(url, bearer("alice", iss=OAUTH_ISSUER, scope="todo"))

    assert document["authorization_servers"] == [OAUTH_ISSUER]
    assert taken.status_code == 200
    assert untargeted.status_code == 401


async def test_with_no_authorization_server_the_metadata_names_none_and_headers_work(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with served(settings) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            document = (await http.get(METADATA_PATH)).json()
        with_header = await post_tools_list(url, bearer("alice"))
        without = await post_tools_list(url, {})

    assert "authorization_servers" not in document
    assert document["resource"] == f"{url}/mcp"
    assert with_header.status_code == 200
    assert without.status_code == 401
    assert 'scope="' not in challenge_of(without)
