"""The Authorization header (docs/api.md §4): exactly one `Bearer <JWT>`, else 401."""

import re

import httpx
import jwt
import pytest

from backend.auth.verifier import MAX_TOKEN_LENGTH
from backend.settings import Settings
from tests.backend.auth.jwt_helpers import bearer, claims
from tests.backend.support import assert_unauthorized
from tests.tokens import TokenFactory

TASKS = "/api/alice/tasks"


@pytest.fixture
def secret(settings: Settings) -> str:
    assert settings.auth_secret is not None
    return settings.auth_secret.get_secret_value()


async def test_a_valid_bearer_token_is_accepted(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    response = await client.get(TASKS, headers=bearer(make_token("alice")))
    assert response.status_code == 200


async def test_the_scheme_is_case_insensitive(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    response = await client.get(TASKS, headers={"Authorization": f"bearer {make_token('alice')}"})
    assert response.status_code == 200


async def test_a_missing_header_is_401(client: httpx.AsyncClient) -> None:
    assert_unauthorized(await client.get(TASKS))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer abc",
        "Bearer a.b.c",
        "Bearer {token}x",
        "Basic YWxpY2U6cGFzc3dvcmQ=",
        "Token {token}",
        "{token}",
        "Bearer{token}",
    ],
    ids=[
        "empty",
        "scheme-only",
        "scheme-and-space",
        "not-a-jwt",
        "garbage-segments",
        "bad-signature",
        "basic",
        "other-scheme",
        "no-scheme",
        "no-space",
    ],
)
async def test_malformed_authorization_is_401(
    client: httpx.AsyncClient, make_token: TokenFactory, value: str
) -> None:
    header = value.format(token=make_token("alice"))
    assert_unauthorized(await client.get(TASKS, headers={"Authorization": header}))


async def test_two_authorization_headers_are_401(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    value = f"Bearer {make_token('alice')}"
    response = await client.get(TASKS, headers=[("Authorization", value), ("Authorization", value)])
    assert_unauthorized(response)


async def test_an_oversized_token_is_401_even_when_validly_signed(
    client: httpx.AsyncClient, secret: str
) -> None:
    token = jwt.encode(claims(padding="x" * MAX_TOKEN_LENGTH), secret, algorithm="HS256")
    assert len(token) > 8 * 1024
    assert_unauthorized(await client.get(TASKS, headers=bearer(token)))
    # The same claims without the padding are fine: it is the size that is refused.
    response = await client.get(TASKS, headers=bearer(jwt.encode(claims(), secret, "HS256")))
    assert response.status_code == 200


async def test_a_token_in_the_query_string_is_ignored(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    response = await client.get(TASKS, params={"access_token": make_token("alice")})
    assert_unauthorized(response)


async def test_every_api_route_requires_a_token(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    api_paths = {path: ops for path, ops in paths.items() if path.startswith("/api/")}
    assert {"/api/{user_id}/tasks", "/api/{user_id}/tasks/{task_id}"} <= set(api_paths)
    for template, operations in api_paths.items():
        path = re.sub(r"\{[^}]+\}", "1", template.replace("{user_id}", "alice"))
        for method in operations:
            response = await client.request(method, path, json={"title": "x", "message": "x"})
            assert_unauthorized(response)
