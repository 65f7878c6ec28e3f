"""Auth dependencies: the user comes from the verified token, and must match the path."""

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend.auth.before_body import bearer_token, verified_earlier
from backend.auth.verifier import TokenVerifier
from backend.fields import UserId
from backend.http.errors import Forbidden
from backend.http.middleware import user_id_var

# Declares the scheme in OpenAPI; the header itself is parsed below, stricter than HTTPBearer.
_bearer_scheme = HTTPBearer(auto_error=False, description="A JWT whose `sub` is the user id.")


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.services.verifier
    return verifier


async def current_user(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> str:
    token = bearer_token(request.headers.getlist("authorization"))
    user = verified_earlier(request.scope, token) or await _verifier(request).verify(token)
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
