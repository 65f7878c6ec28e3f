"""RFC 8725 gaps beyond test_jwks.py / test_deps.py: a flood of unknown `kid`s, key rotation
(a new key is accepted and a removed one refused once the set is refetched), and bearer
tokens that must never be taken from anywhere but one well-formed Authorization header."""

import asyncio
import random
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from backend.auth import jwks as jwks_module
from backend.auth.jwks import JwksCache
from backend.auth.verifier import MAX_TOKEN_LENGTH, TokenVerifier
from backend.http.errors import Unauthorized
from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving_in_thread
from tests.backend.auth.jwt_helpers import JwksServer, bearer, claims, public_jwk
from tests.backend.support import app_client, assert_error, assert_unauthorized
from tests.tokens import TokenFactory

TASKS = "/api/alice/tasks"
FLOOD = 100
INTERVAL = 60.0  # JwksCache's default refetch interval, as the app builds it


class Clock:
    """Stands in for the `time` module inside backend.auth.jwks (monotonic only)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(jwks_module, "time", fake)
    return fake


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    with JwksServer().serving() as server:
        yield server


def sign(key: ed25519.Ed25519PrivateKey, kid: str, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), key, "EdDSA", headers={"kid": kid})


def jwks_settings(settings: Settings, url: str) -> Settings:
    return settings.model_copy(update={"auth_jwks_url": url, "auth_secret": None})


def random_kids(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.getrandbits(128):032x}" for _ in range(FLOOD)]


async def test_a_flood_of_unknown_kids_costs_one_fetch_per_interval(
    settings: Settings, jwks_server: JwksServer, clock: Clock
) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    jwks_server.document = {"keys": [public_jwk("EdDSA", key, "current")]}
    good = bearer(sign(key, "current"))
    async with app_client(jwks_settings(settings, jwks_server.url)) as client:
        assert (await client.get(TASKS, headers=good)).status_code == 200
        assert jwks_server.requests == 1

        # 100 random kids, half one after another, half at once: no refetch in the interval.
        kids = random_kids(seed=8725)
        for kid in kids[:50]:
            assert_unauthorized(await client.get(TASKS, headers=bearer(sign(key, kid))))
        flood = [client.get(TASKS, headers=bearer(sign(key, kid))) for kid in kids[50:]]
        for response in await asyncio.gather(*flood):
            assert_unauthorized(response)
        assert jwks_server.requests == 1
        assert (await client.get(TASKS, headers=good)).status_code == 200

        # Once the interval has passed, the next flood again costs exactly one fetch.
        clock.now += INTERVAL
        flood = [client.get(TASKS, headers=bearer(sign(key, kid))) for kid in random_kids(9)]
        for response in await asyncio.gather(*flood):
            assert_unauthorized(response)
        assert jwks_server.requests == 2


async def test_a_rotated_key_set_is_honoured_once_refetched(
    settings: Settings, jwks_server: JwksServer, clock: Clock
) -> None:
    old_key, new_key = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    old, new = bearer(sign(old_key, "k-old")), bearer(sign(new_key, "k-new"))
    jwks_server.document = {"keys": [public_jwk("EdDSA", old_key, "k-old")]}
    async with app_client(jwks_settings(settings, jwks_server.url)) as client:
        assert (await client.get(TASKS, headers=old)).status_code == 200

        # The IdP rotates: the new key is published, the old one withdrawn.
        jwks_server.document = {"keys": [public_jwk("EdDSA", new_key, "k-new")]}
        assert_unauthorized(await client.get(TASKS, headers=new))  # not refetched yet
        assert (await client.get(TASKS, headers=old)).status_code == 200  # still cached
        assert jwks_server.requests == 1

        clock.now += INTERVAL
        assert (await client.get(TASKS, headers=new)).status_code == 200  # refetched
        assert jwks_server.requests == 2
        assert_unauthorized(await client.get(TASKS, headers=old))  # removed: refused
        assert jwks_server.requests == 2


async def test_the_verifier_follows_a_rotation_without_a_refetch_interval(
    jwks_server: JwksServer,
) -> None:
    old_key, new_key = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    jwks_server.document = {"keys": [public_jwk("EdDSA", old_key, "k-old")]}
    async with httpx.AsyncClient() as http:
        verifier = TokenVerifier(
            secret=None, jwks=JwksCache(jwks_server.url, http, min_refresh_seconds=0)
        )
        assert await verifier.verify(sign(old_key, "k-old")) == "alice"

        jwks_server.document = {"keys": [public_jwk("EdDSA", new_key, "k-new")]}
        assert await verifier.verify(sign(new_key, "k-new")) == "alice"
        with pytest.raises(Unauthorized):
            await verifier.verify(sign(old_key, "k-old"))
        # A token naming the new kid but signed by the withdrawn key is refused as well.
        with pytest.raises(Unauthorized):
            await verifier.verify(sign(old_key, "k-new"))


async def test_an_oversized_token_never_reaches_the_key_set(
    settings: Settings, jwks_server: JwksServer
) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    jwks_server.document = {"keys": [public_jwk("EdDSA", key, "current")]}
    huge = sign(key, "unknown-kid", padding="x" * MAX_TOKEN_LENGTH)
    assert len(huge) > MAX_TOKEN_LENGTH
    async with app_client(jwks_settings(settings, jwks_server.url)) as client:
        assert_unauthorized(await client.get(TASKS, headers=bearer(huge)))
    assert jwks_server.requests == 0


@pytest.mark.parametrize(
    "value",
    [
        "Bearer " + "A" * (MAX_TOKEN_LENGTH + 1),
        "Bearer " + "eyJ" + "a" * 60_000,
        "Bearer " + " " * 20_000 + "x",
        "Bearer {token}." + "A" * 20_000,
    ],
    ids=["just-over-the-limit", "60kb", "padded-before", "long-extra-segment"],
)
async def test_oversized_authorization_headers_are_401(
    client: httpx.AsyncClient, make_token: TokenFactory, value: str
) -> None:
    header = value.replace("{token}", make_token("alice"))
    assert_unauthorized(await client.get(TASKS, headers={"Authorization": header}))


@pytest.mark.parametrize("order", ["valid-first", "valid-last"])
async def test_a_second_authorization_header_is_401_whichever_comes_first(
    client: httpx.AsyncClient, make_token: TokenFactory, order: str
) -> None:
    valid, junk = f"Bearer {make_token('alice')}", "Bearer not-a-token"
    pair = [valid, junk] if order == "valid-first" else [junk, valid]
    response = await client.get(TASKS, headers=[("Authorization", v) for v in pair])
    assert_unauthorized(response)


async def test_two_tokens_in_one_authorization_header_are_401(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    token = make_token("alice")
    for value in (f"Bearer {token}, Bearer {token}", f"Bearer {token} {token}"):
        assert_unauthorized(await client.get(TASKS, headers={"Authorization": value}))


@pytest.mark.parametrize("name", ["access_token", "token", "jwt", "authorization", "bearer"])
async def test_tokens_in_the_query_string_are_ignored(
    client: httpx.AsyncClient, make_token: TokenFactory, name: str
) -> None:
    alice = make_token("alice")
    assert_unauthorized(await client.get(TASKS, params={name: alice}))
    # With a header too, only the header counts: bob's token on alice's path stays 403.
    response = await client.get(TASKS, params={name: alice}, headers=bearer(make_token("bob")))
    assert_error(response, 403, "forbidden")


async def test_an_oversized_token_is_401_over_a_real_server(settings: Settings) -> None:
    """Past the verifier's bound but within the server's: a header past the server's own
    bound (16 KiB a line) is refused before any of this, 431 (tests/backend/http/test_guard.py)."""
    size = MAX_TOKEN_LENGTH + 1
    async with serving_in_thread(create_app(settings)) as base_url, httpx.AsyncClient() as http:
        headers = {"Authorization": "Bearer " + "a" * size}
        assert_unauthorized(await http.get(f"{base_url}{TASKS}", headers=headers))
