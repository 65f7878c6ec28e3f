"""Token verification (docs/api.md §4, RFC 8725), through the API a client calls: every refused
token is a 401 with `WWW-Authenticate: Bearer` and the error JSON."""

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from backend.settings import Settings
from tests.backend.auth.jwt_helpers import (
    AUDIENCE,
    ISSUER,
    OTHER_SECRET,
    bearer,
    claims,
    hand_made,
)
from tests.backend.support import app_client, assert_unauthorized

TASKS = "/api/alice/tasks"


@pytest.fixture
def secret(settings: Settings) -> str:
    assert settings.auth_secret is not None
    return settings.auth_secret.get_secret_value()


@pytest.fixture
async def strict_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app that checks `iss` and `aud`."""
    strict = settings.model_copy(update={"auth_issuer": ISSUER, "auth_audience": AUDIENCE})
    async with app_client(strict) as client:
        yield client


async def status_for(client: httpx.AsyncClient, token: str) -> int:
    return (await client.get(TASKS, headers=bearer(token))).status_code


async def test_a_valid_token_names_the_user(client: httpx.AsyncClient, secret: str) -> None:
    token = jwt.encode(claims(), secret, algorithm="HS256")
    response = await client.post(TASKS, json={"title": "mine"}, headers=bearer(token))
    assert response.status_code == 201
    # The token's sub is the user: it may act on alice's tasks and nobody else's.
    bob_path = await client.get("/api/bob/tasks", headers=bearer(token))
    assert bob_path.status_code == 403


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": lambda now: now - 120},
        {"exp": None},
        {"exp": "tomorrow"},
        {"nbf": lambda now: now + 120},
        {"sub": None},
        {"sub": ""},
        {"sub": 42},
        {"sub": "a" * 129},
        {"exp": lambda now: str(now + 900)},
        {"nbf": lambda now: str(now - 10)},
        {"iat": "yesterday"},
    ],
    ids=[
        "expired",
        "no-exp",
        "exp-not-a-number",
        "not-yet-valid",
        "no-sub",
        "empty-sub",
        "sub-not-a-string",
        "sub-too-long",
        "exp-a-numeric-string",
        "nbf-a-numeric-string",
        "iat-a-string",
    ],
)
async def test_tokens_with_bad_claims_are_401(
    client: httpx.AsyncClient, secret: str, overrides: dict[str, Any]
) -> None:
    # Times are taken when the test runs, not when the module is collected minutes earlier.
    now = int(time.time())
    at_now = {name: value(now) if callable(value) else value for name, value in overrides.items()}
    token = jwt.encode(claims(**at_now), secret, algorithm="HS256")
    assert_unauthorized(await client.get(TASKS, headers=bearer(token)))


async def test_clock_skew_within_the_leeway_is_tolerated(
    client: httpx.AsyncClient, secret: str
) -> None:
    now = int(time.time())
    for overrides in ({"exp": now - 5}, {"nbf": now + 5}):
        token = jwt.encode(claims(**overrides), secret, algorithm="HS256")
        assert await status_for(client, token) == 200, overrides


async def test_a_token_signed_with_another_secret_is_401(client: httpx.AsyncClient) -> None:
    token = jwt.encode(claims(), OTHER_SECRET, algorithm="HS256")
    assert_unauthorized(await client.get(TASKS, headers=bearer(token)))


async def test_a_tampered_payload_is_401(client: httpx.AsyncClient, secret: str) -> None:
    header, _, signature = jwt.encode(claims(), secret, algorithm="HS256").split(".")
    forged_payload = jwt.encode(claims(sub="bob"), secret, algorithm="HS256").split(".")[1]
    token = f"{header}.{forged_payload}.{signature}"
    assert_unauthorized(await client.get("/api/bob/tasks", headers=bearer(token)))


async def test_a_hand_made_hs256_token_with_the_secret_is_accepted(
    client: httpx.AsyncClient, secret: str
) -> None:
    """The hand-made tokens below fail for what they change, not for how they are built."""
    token = hand_made({"alg": "HS256", "typ": "JWT"}, claims(), secret.encode())
    assert await status_for(client, token) == 200


@pytest.mark.parametrize(
    "header",
    [{"alg": "none"}, {"alg": "None", "typ": "JWT"}, {"alg": "NONE"}],
    ids=["none", "None", "NONE"],
)
async def test_unsigned_tokens_are_401(client: httpx.AsyncClient, header: dict[str, Any]) -> None:
    token = hand_made(header, claims(), hmac_key=None)
    assert_unauthorized(await client.get(TASKS, headers=bearer(token)))


@pytest.mark.parametrize(("algorithm", "digest"), [("HS384", "sha384"), ("HS512", "sha512")])
async def test_other_hmac_algorithms_are_401_even_with_the_right_secret(
    client: httpx.AsyncClient, secret: str, algorithm: str, digest: str
) -> None:
    token = hand_made({"alg": algorithm}, claims(), secret.encode(), digest)
    assert_unauthorized(await client.get(TASKS, headers=bearer(token)))


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
async def test_asymmetric_tokens_are_401_when_only_a_secret_is_configured(
    client: httpx.AsyncClient, signing_keys: dict[str, Any], algorithm: str
) -> None:
    token = jwt.encode(claims(), signing_keys[algorithm], algorithm=algorithm)
    assert_unauthorized(await client.get(TASKS, headers=bearer(token)))


async def test_hs256_signed_with_the_public_key_is_401_when_only_a_secret_is_configured(
    client: httpx.AsyncClient, signing_keys: dict[str, Any]
) -> None:
    pem = (
        signing_keys["RS256"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = hand_made({"alg": "HS256", "typ": "JWT"}, claims(), hmac_key=pem)
    assert_unauthorized(await client.get(TASKS, headers=bearer(token)))


async def test_issuer_and_audience_are_not_checked_unless_configured(
    client: httpx.AsyncClient, secret: str
) -> None:
    token = jwt.encode(claims(iss="https://anyone", aud="someone"), secret, algorithm="HS256")
    assert await status_for(client, token) == 200


async def test_matching_issuer_and_audience_are_accepted(
    strict_client: httpx.AsyncClient, secret: str
) -> None:
    for aud in (AUDIENCE, ["other-api", AUDIENCE]):
        token = jwt.encode(claims(iss=ISSUER, aud=aud), secret, algorithm="HS256")
        assert await status_for(strict_client, token) == 200, aud


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example", "aud": AUDIENCE},
        {"iss": ISSUER, "aud": "https://evil.example"},
        {"iss": ISSUER, "aud": ["https://evil.example"]},
        {"aud": AUDIENCE},
        {"iss": ISSUER},
        {"iss": ISSUER.upper(), "aud": AUDIENCE},
    ],
    ids=["wrong-iss", "wrong-aud", "wrong-aud-list", "missing-iss", "missing-aud", "iss-case"],
)
async def test_wrong_or_missing_issuer_or_audience_is_401_when_configured(
    strict_client: httpx.AsyncClient, secret: str, overrides: dict[str, Any]
) -> None:
    token = jwt.encode(claims(**overrides), secret, algorithm="HS256")
    assert_unauthorized(await strict_client.get(TASKS, headers=bearer(token)))
