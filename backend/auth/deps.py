"""Auth dependencies: the user comes from the verified token, and must match the path."""

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend.auth.verifier import TokenVerifier
from backend.errors import Forbidden, Unauthorized
from backend.fields import UserId
from backend.middleware import user_id_var

# Declares the scheme in OpenAPI; the header itself is parsed below, stricter than HTTPBearer.
_bearer_scheme = HTTPBearer(auto_error=False, description="A JWT whose `sub` is the user id.")


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.services.verifier
    return verifier


async def current_user(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> str:
    headers = request.headers.getlist("authorization")
    if len(headers) != 1:
        raise Unauthorized("Send exactly one Authorization: Bearer header.")
    scheme, _sep, token = headers[0].partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    user = await _verifier(request).verify(token.strip())
    user_id_var.set(user)  # for the logs of this request; reset by RequestIdMiddleware
    return user


CurrentUser = Annotated[str, Depends(current_user)]


async def path_owner(
    user_id: Annotated[UserId, Path(description="Must equal the token's `sub`.")],
    user: CurrentUser,
) -> str:
    if user_id != user:
        raise Forbidden()
    return user


Owner = Annotated[str, Depends(path_owner)]
