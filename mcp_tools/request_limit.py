"""Every `/mcp` request (tools/list, initialize, ping, a tool call) counts toward its user's
per-minute request limit, the one the REST routes count (`rest:<user>` through the broker):
one account cannot call `tools/list` hundreds of times a second. Tool calls count toward
MCP_CALLS_PER_MINUTE besides (backend/limits/mcp.py)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.http.error_handlers import error_response
from backend.http.errors import AppError, TooManyApiRequests, Unauthorized
from backend.limits.rate import HitCounter, seconds_to_wait

_BEARER = "bearer "


def bearer_token(scope: Scope) -> str | None:
    """The request's bearer token, read as the SDK's middleware reads it."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            header = value.decode("latin-1")
            return header[len(_BEARER) :] if header.lower().startswith(_BEARER) else None
    return None


@dataclass(frozen=True)
class RequestLimited:
    """The SDK's app behind the per-user request limit. A request without a valid token
    passes on unchanged: the SDK answers it with its own 401."""

    app: ASGIApp
    verify: Callable[[str], Awaitable[str]]  # a token's user, or Unauthorized
    counter: HitCounter
    per_minute: int

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = await self._refusal(scope) if scope["type"] == "http" else None
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _refusal(self, scope: Scope) -> Response | None:
        token = bearer_token(scope)
        if token is None:
            return None
        try:
            user = await self.verify(token.strip())
        except Unauthorized:
            return None
        try:
            wait = await seconds_to_wait(self.counter, f"rest:{user}", self.per_minute)
        except AppError as error:  # the broker cannot count: its 503, as on the REST routes
            return error_response(error)
        return None if wait is None else error_response(TooManyApiRequests(wait))
