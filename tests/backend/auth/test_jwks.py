"""Asymmetric tokens verified against a JWKS endpoint (Better Auth's `/api/auth/jwks`), served
for real on a loopback port, and the key cache's refetch throttle."""

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from backend.auth.jwks import JwksCache
from backend.settings import Settings
from tests.backend.auth.jwt_helpers import (
    AUDIENCE,
    ISSUER,
    JwksServer,
    b64url,
    bearer,
    claims,
    hand_made,
    public_jwk,
)
from tests.backend.support import app_client, assert_unauthorized

TASKS = "/api/alice/tasks"
KIDS = {"EdDSA": "ed-1", "ES256": "ec-1", "RS256": "rsa-1"}


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    with JwksServer().serving() as server:
        yield server


@pytest.fixture
def published(jwks_server: JwksServer, signing_keys: dict[str, Any]) -> dict[str, Any]:
    """The key set on the server: Ed25519 without `alg` (as Better Auth publishes it)."""
    keys = [public_jwk(alg, signing_keys[alg], kid) for alg, kid in KIDS.items()]
    keys[2]["alg"] = "RS256"
    document = {"keys": keys}
    jwks_server.document = document
    return document


def jwks_settings(settings: Settings, url: str, **extra: Any) -> Settings:
    return settings.model_copy(update={"auth_jwks_url": url, "auth_secret": None, **extra})


@pytest.fixture
async def jwks_client(
    settings: Settings, jwks_server: JwksServer, published: dict[str, Any]
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(jwks_settings(settings, jwks_server.url)) as client:
        yield client


def sign(signing_keys: dict[str, Any], algorithm: str, kid: str | None, **overrides: Any) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims(**overrides), signing_keys[algorithm], algorithm, headers=headers)


@pytest.mark.parametrize("algorithm", KIDS)
async def test_jwks_signed_tokens_are_accepted(
    jwks_client: httpx.AsyncClient, signing_keys: dict[str, Any], algorithm: str
) -> None:
    token = sign(signing_keys, algorithm, KIDS[algorithm])
    response = await jwks_client.post(TASKS, json={"title": algorithm}, headers=bearer(token))
    assert response.status_code == 201
    listed = await jwks_client.get(TASKS, headers=bearer(token))
    assert [t["title"] for t in listed.json()["tasks"]] == [algorithm]


async def test_a_token_without_kid_is_accepted_when_the_set_has_one_key(
    settings: Settings, jwks_server: JwksServer, signing_keys: dict[str, Any]
) -> None:
    jwks_server.document = {"keys": [public_jwk("EdDSA", signing_keys["EdDSA"], None)]}
    async with app_client(jwks_settings(settings, jwks_server.url)) as client:
        token = sign(signing_keys, "EdDSA", kid=None)
        assert (await client.get(TASKS, headers=bearer(token))).status_code == 200


async def test_a_token_without_kid_is_401_when_the_set_has_several_keys(
    jwks_client: httpx.AsyncClient, signing_keys: dict[str, Any]
) -> None:
    assert_unauthorized(
        await jwks_client.get(TASKS, headers=bearer(sign(signing_keys, "EdDSA", None)))
    )


async def test_an_unknown_kid_is_401(
    jwks_client: httpx.AsyncClient, signing_keys: dict[str, Any]
) -> None:
    token = sign(signing_keys, "EdDSA", "ed-unknown")
    assert_unauthorized(await jwks_client.get(TASKS, headers=bearer(token)))


async def test_a_known_kid_signed_by_another_key_is_401(jwks_client: httpx.AsyncClient) -> None:
    impostor = ed25519.Ed25519PrivateKey.generate()
    token = jwt.encode(claims(), impostor, "EdDSA", headers={"kid": KIDS["EdDSA"]})
    assert_unauthorized(await jwks_client.get(TASKS, headers=bearer(token)))


@pytest.mark.parametrize(
    ("algorithm", "kid"),
    [("ES256", "rsa-1"), ("ES256", "ed-1"), ("RS256", "ec-1")],
    ids=["es256-on-rsa-key", "es256-on-ed25519-key", "rs256-on-ec-key"],
)
async def test_the_token_header_cannot_choose_another_algorithm_for_a_key(
    jwks_client: httpx.AsyncClient, signing_keys: dict[str, Any], algorithm: str, kid: str
) -> None:
    token = sign(signing_keys, algorithm, kid)
    assert_unauthorized(await jwks_client.get(TASKS, headers=bearer(token)))


@pytest.mark.parametrize("kid", ["rsa-1", None], ids=["with-kid", "without-kid"])
async def test_hs256_signed_with_the_rsa_public_key_is_401(
    jwks_client: httpx.AsyncClient, signing_keys: dict[str, Any], kid: str | None
) -> None:
    pem = (
        signing_keys["RS256"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "typ": "JWT", **({"kid": kid} if kid else {})}
    token = hand_made(header, claims(), hmac_key=pem)
    assert_unauthorized(await jwks_client.get(TASKS, headers=bearer(token)))


async def test_unsigned_tokens_are_401_with_jwks(jwks_client: httpx.AsyncClient) -> None:
    for kid in KIDS.values():
        token = hand_made({"alg": "none", "kid": kid}, claims(), hmac_key=None)
        assert_unauthorized(await jwks_client.get(TASKS, headers=bearer(token)))


async def test_a_symmetric_key_in_the_set_is_never_used(
    settings: Settings, jwks_server: JwksServer
) -> None:
    secret = b"a-shared-secret-published-by-mistake-0123456789abcdef"
    jwks_server.document = {
        "keys": [{"kty": "oct", "kid": "sym", "alg": "HS256", "k": b64url(secret)}]
    }
    async with app_client(jwks_settings(settings, jwks_server.url)) as client:
        token = hand_made({"alg": "HS256", "kid": "sym"}, claims(), hmac_key=secret)
        assert_unauthorized(await client.get(TASKS, headers=bearer(token)))


async def test_expired_jwks_tokens_are_401(
    jwks_client: httpx.AsyncClient, signing_keys: dict[str, Any]
) -> None:
    token = sign(signing_keys, "EdDSA", "ed-1", exp=claims()["iat"] - 120)
    assert_unauthorized(await jwks_client.get(TASKS, headers=bearer(token)))


async def test_better_auth_style_issuer_and_audience_are_checked(
    settings: Settings,
    jwks_server: JwksServer,
    published: dict[str, Any],
    signing_keys: dict[str, Any],
) -> None:
    strict = jwks_settings(settings, jwks_server.url, auth_issuer=ISSUER, auth_audience=AUDIENCE)
    async with app_client(strict) as client:
        good = sign(signing_keys, "EdDSA", "ed-1", iss=ISSUER, aud=AUDIENCE)
        assert (await client.get(TASKS, headers=bearer(good))).status_code == 200
        wrong = sign(signing_keys, "EdDSA", "ed-1", iss="https://evil.example", aud=AUDIENCE)
        assert_unauthorized(await client.get(TASKS, headers=bearer(wrong)))


async def test_an_unreachable_jwks_endpoint_is_401_not_500(
    settings: Settings, signing_keys: dict[str, Any]
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/jwks"
        async with app_client(jwks_settings(settings, url)) as client:
            token = sign(signing_keys, "EdDSA", "ed-1")
            assert_unauthorized(await client.get(TASKS, headers=bearer(token)))


@pytest.mark.parametrize(
    ("status", "raw"),
    [
        (500, b'{"keys": []}'),
        (200, b"<html>login</html>"),
        (200, b"[]"),
        (200, b'{"keys": "none"}'),
        (200, b'{"keys": [1, "x", null, {"kty": "OKP"}]}'),
    ],
    ids=["server-error", "html", "json-list", "keys-not-a-list", "junk-keys"],
)
async def test_a_broken_jwks_document_is_401_not_500(
    settings: Settings,
    jwks_server: JwksServer,
    signing_keys: dict[str, Any],
    status: int,
    raw: bytes,
) -> None:
    jwks_server.status, jwks_server.raw = status, raw
    async with app_client(jwks_settings(settings, jwks_server.url)) as client:
        token = sign(signing_keys, "EdDSA", "ed-1")
        assert_unauthorized(await client.get(TASKS, headers=bearer(token)))
    assert jwks_server.requests == 1


async def test_unknown_kids_cause_at_most_one_fetch_per_interval(
    jwks_client: httpx.AsyncClient, jwks_server: JwksServer, signing_keys: dict[str, Any]
) -> None:
    good = bearer(sign(signing_keys, "EdDSA", "ed-1"))
    assert (await jwks_client.get(TASKS, headers=good)).status_code == 200
    assert jwks_server.requests == 1
    for n in range(20):
        token = sign(signing_keys, "EdDSA", f"attacker-{n}")
        assert_unauthorized(await jwks_client.get(TASKS, headers=bearer(token)))
    assert (await jwks_client.get(TASKS, headers=good)).status_code == 200
    assert jwks_server.requests == 1


async def test_concurrent_unknown_kids_share_one_fetch(
    jwks_client: httpx.AsyncClient, jwks_server: JwksServer, signing_keys: dict[str, Any]
) -> None:
    tokens = [sign(signing_keys, "EdDSA", f"attacker-{n}") for n in range(20)]
    responses = await asyncio.gather(
        *(jwks_client.get(TASKS, headers=bearer(token)) for token in tokens)
    )
    for response in responses:
        assert_unauthorized(response)
    assert jwks_server.requests == 1


async def test_concurrent_first_requests_all_wait_for_the_one_fetch(
    jwks_client: httpx.AsyncClient, jwks_server: JwksServer, signing_keys: dict[str, Any]
) -> None:
    tokens = [sign(signing_keys, alg, KIDS[alg]) for alg in KIDS for _ in range(5)]
    responses = await asyncio.gather(
        *(jwks_client.get(TASKS, headers=bearer(token)) for token in tokens)
    )
    assert [r.status_code for r in responses] == [200] * len(tokens)
    assert jwks_server.requests == 1


async def test_the_cache_picks_up_a_rotated_key_after_the_interval(
    jwks_server: JwksServer, signing_keys: dict[str, Any]
) -> None:
    old = public_jwk("EdDSA", signing_keys["EdDSA"], "old")
    new = public_jwk("EdDSA", ed25519.Ed25519PrivateKey.generate(), "new")
    jwks_server.document = {"keys": [old]}
    async with httpx.AsyncClient() as http:
        throttled = JwksCache(jwks_server.url, http, min_refresh_seconds=3600)
        eager = JwksCache(jwks_server.url, http, min_refresh_seconds=0)
        assert await throttled.get("old") is not None
        assert await eager.get("old") is not None
        assert jwks_server.requests == 2

        jwks_server.document = {"keys": [new]}
        assert await throttled.get("new") is None  # within the interval: no refetch
        assert jwks_server.requests == 2
        found = await eager.get("new")
        assert found is not None
        assert found.algorithm_name == "EdDSA"
        assert jwks_server.requests == 3


async def test_a_failed_refetch_keeps_the_cached_keys(
    jwks_server: JwksServer, signing_keys: dict[str, Any], published: dict[str, Any]
) -> None:
    async with httpx.AsyncClient() as http:
        cache = JwksCache(jwks_server.url, http, min_refresh_seconds=0)
        assert await cache.get("ed-1") is not None
        jwks_server.status = 503
        assert await cache.get("unknown") is None
        assert jwks_server.requests == 2
        assert await cache.get("ed-1") is not None
