"""Issuing HS256 tokens for local use (`todo-chat token`)."""

import re
from datetime import UTC, datetime, timedelta

import jwt

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
