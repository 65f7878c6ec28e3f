"""Issuing HS256 tokens for local use (`todo-chat token`, `todo-chat chat`).

Kept light on purpose: the token command imports this, never the app or the Agents SDK.
"""

import re
from datetime import UTC, datetime, timedelta

import jwt

from backend.auth.dev_secret import load_or_create_dev_secret
from backend.settings import Settings

_TTL = re.compile(r"^(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> timedelta:
    """`90s`, `15m`, `1h`, `7d`."""
    match = _TTL.match(text.strip())
    if not match or int(match[1]) == 0:
        raise ValueError(f"invalid TTL {text!r}: use e.g. 90s, 15m, 1h, 7d")
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


def issue_token(
    secret: str,
    user_id: str,
    ttl: timedelta,
    *,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {"sub": user_id, "iat": now, "nbf": now, "exp": now + ttl}
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


def hs256_secret(settings: Settings) -> str | None:
    """The configured secret; in dev mode (no secret, no JWKS) the one kept in the data dir."""
    if settings.auth_secret is not None:
        return settings.auth_secret.get_secret_value()
    if settings.auth_jwks_url is None:
        return load_or_create_dev_secret(settings.data_dir)
    return None


def local_token(settings: Settings, user_id: str, ttl: timedelta) -> str | None:
    """A token this server accepts (with the configured issuer and audience), signed with the
    HS256 secret; None when tokens come from an identity provider (JWKS only)."""
    secret = hs256_secret(settings)
    if secret is None:
        return None
    return issue_token(
        secret, user_id, ttl, issuer=settings.auth_issuer, audience=settings.auth_audience
    )
