"""A cached JWKS key set, fetched with a non-blocking client, refetched at most once a minute."""

import asyncio
import logging
import time
from typing import Any

import httpx
import jwt

log = logging.getLogger(__name__)

# The algorithm each asymmetric key type may be used with: the token header cannot choose.
KEY_ALGORITHMS: dict[tuple[str, str | None], str] = {
    ("OKP", "Ed25519"): "EdDSA",
    ("EC", "P-256"): "ES256",
    ("RSA", None): "RS256",
}


def key_algorithm(jwk: dict[str, Any]) -> str | None:
    kty = str(jwk.get("kty"))
    curve = None if kty == "RSA" else str(jwk.get("crv"))
    return KEY_ALGORITHMS.get((kty, curve))


class JwksCache:
    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        min_refresh_seconds: float = 60.0,
    ) -> None:
        self._url = url
        self._client = client
        self._min_refresh = min_refresh_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._last_fetch: float | None = None
        self._lock = asyncio.Lock()

    async def get(self, kid: str | None) -> jwt.PyJWK | None:
        key = self._lookup(kid)
        if key is not None:
            return key
        async with self._lock:
            key = self._lookup(kid)
            if key is None and self._may_refresh():
                await self._refresh()
                key = self._lookup(kid)
        return key

    def _lookup(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _may_refresh(self) -> bool:
        return self._last_fetch is None or time.monotonic() - self._last_fetch >= self._min_refresh

    async def _refresh(self) -> None:
        self._last_fetch = time.monotonic()
        try:
            response = await self._client.get(self._url, timeout=5.0)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError):
            log.warning("could not fetch the JWKS key set; keeping the cached keys")
            return
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            log.warning("the JWKS document has no key list; keeping the cached keys")
            return
        keys: dict[str, jwt.PyJWK] = {}
        for index, jwk in enumerate(entries):
            if not isinstance(jwk, dict):
                continue
            algorithm = key_algorithm(jwk)
            if algorithm is None or jwk.get("alg", algorithm) != algorithm:
                continue
            try:
                keys[str(jwk.get("kid", index))] = jwt.PyJWK(jwk, algorithm=algorithm)
            except jwt.PyJWTError:
                log.warning("skipping an unusable JWKS key")
        self._keys = keys
