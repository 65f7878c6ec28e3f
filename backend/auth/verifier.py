"""Bearer token verification (docs/api.md §4, RFC 8725): pinned algorithms, required claims."""

from dataclasses import dataclass, replace
from typing import Any

import jwt

from backend.auth.jwks import JwksCache
from backend.http.errors import Unauthorized
from backend.settings import Settings

HMAC_ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 8192
TIME_CLAIMS = ("exp", "nbf", "iat")


def _not_numeric(value: object) -> bool:
    return value is not None and (isinstance(value, bool) or not isinstance(value, int | float))


def _audiences(claims: dict[str, Any]) -> list[object]:
    audience = claims.get("aud")
    return audience if isinstance(audience, list) else [audience]


@dataclass(frozen=True)
class TokenVerifier:
    secret: str | None
    jwks: JwksCache | None
    issuer: str | None = None
    audience: str | None = None
    leeway_seconds: int = 30
    refused_audience: str | None = None
    """A resource whose access tokens this surface refuses: REST, the page and ChatKit take
    session tokens, never the OAuth access tokens issued for `/mcp` (RFC 8707)."""

    async def verify(self, token: str) -> str:
        """Return the token's subject (the user id), or raise `Unauthorized`."""
        subject: str = (await self.claims(token))["sub"]
        return subject

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified token's claims (`sub` checked), or raise `Unauthorized`."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise Unauthorized("The bearer token is too large.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("The bearer token is malformed.") from None
        key, algorithm = await self._key_for(header)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_seconds,
                options={
                    "require": ["exp", "sub"],
                    "verify_aud": self.audience is not None,
                    "verify_iss": self.issuer is not None,
                },
            )
        except jwt.PyJWTError:
            raise Unauthorized("The bearer token is invalid or expired.") from None
        # pyjwt reads "exp": "9999999999" as a number: RFC 7519 says NumericDate, a JSON number.
        if any(_not_numeric(claims.get(name)) for name in TIME_CLAIMS):
            raise Unauthorized("The bearer token's time claims must be numbers.")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not 1 <= len(subject) <= 128 or "\x00" in subject:
            raise Unauthorized("The bearer token has no usable subject.")
        if self.refused_audience is not None and self.refused_audience in _audiences(claims):
            raise Unauthorized("This access token is for the MCP endpoint only.")
        return claims

    async def _key_for(self, header: dict[str, object]) -> tuple[str | jwt.PyJWK, str]:
        algorithm = header.get("alg")
        if algorithm == HMAC_ALGORITHM and self.secret is not None:
            return self.secret, HMAC_ALGORITHM
        if algorithm != HMAC_ALGORITHM and self.jwks is not None:
            kid = header.get("kid")
            key = await self.jwks.get(kid if isinstance(kid, str) else None)
            # The key's own type decides the algorithm; a header asking for another is refused.
            if key is not None and key.algorithm_name == algorithm:
                return key, algorithm
        raise Unauthorized("The bearer token is signed with an unaccepted key or algorithm.")


def mcp_verifier(settings: Settings, api: TokenVerifier) -> TokenVerifier:
    """/mcp's verifier, with the same keys as the API's. With an OAuth issuer (MCP_AUTH_ISSUER,
    else AUTH_ISSUER) it takes only that issuer's access tokens for this resource (`aud`
    contains PUBLIC_URL + /mcp), so a session token is refused there; without one it takes the
    API's tokens (dev mode, or a header a client was given)."""
    issuer = settings.mcp_oauth_issuer
    if issuer is None:
        return replace(api, refused_audience=None)
    return replace(api, issuer=issuer, audience=settings.mcp_resource, refused_audience=None)
