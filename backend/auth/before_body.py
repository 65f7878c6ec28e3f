"""Tokens already known to be bad are refused before the request's body is read: a client
without a valid token cannot make the server wait for, or buffer, a body."""

from starlette.types import ASGIApp, Receive, Scope, Send

from backend.auth.verifier import TokenVerifier
from backend.http.errors import Unauthorized
from backend.http.middleware import send_error

# Where the token checked here and its user wait for `current_user` (no second verification).
VERIFIED = "verified_bearer"
API_PREFIX = "/api/"


def bearer_token(authorization: list[str]) -> str:
    """The token of the one `Authorization: Bearer` header among `authorization`."""
    if len(authorization) != 1:
        raise Unauthorized("Send exactly one Authorization: Bearer header.")
    scheme, _sep, token = authorization[0].partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


def verified_earlier(scope: Scope, token: str) -> str | None:
    """The user of `token` when this request's token was already verified, else None."""
    verified: tuple[str, str] | None = scope.get("state", {}).get(VERIFIED)
    return verified[1] if verified and verified[0] == token else None


class AuthBeforeBodyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _api_request_with_body(scope):
            await self.app(scope, receive, send)
            return
        authorization = [v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"]
        try:
            token = bearer_token(authorization)
            verifier: TokenVerifier = scope["app"].state.services.verifier
            user = await verifier.verify(token)
        except Unauthorized as error:
            await send_error(send, error)
            return
        scope.setdefault("state", {})[VERIFIED] = (token, user)
        await self.app(scope, receive, send)


def _api_request_with_body(scope: Scope) -> bool:
    if not str(scope["path"]).startswith(API_PREFIX):
        return False
    for key, value in scope["headers"]:
        if key == b"transfer-encoding" or (key == b"content-length" and value != b"0"):
            return True
    return False
