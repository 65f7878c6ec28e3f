"""The chat page (docs/api.md §15, docs/web.md): `GET /`, its static files, and `POST /dev/token`
for signing in by name in dev mode."""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import Route

from backend.auth.tokens import local_token
from backend.deps import ServicesDep
from backend.fields import UserId
from backend.http.errors import AppError, InvalidRequest, NotFound, responses
from backend.settings import Settings
from backend.web.dev_code import code_matches, dev_mode
from backend.web.files import RevalidatedFiles, SingleFile, compressed

STATIC_DIR = Path(__file__).parent / "static"
DEV_TOKEN_TTL = timedelta(hours=12)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
# Headers a proxy adds for the client it forwards (any X-Forwarded-* is checked besides). A
# plain TCP forwarder adds none, hence the sign-in code as well (backend/web/dev_code.py).
PROXY_HEADERS = (
    "forwarded",
    "via",
    "x-real-ip",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "x-cluster-client-ip",
    "x-original-forwarded-for",
)

# Nothing but the app's own files runs or loads; no inline script or style anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter()


class DevTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: UserId
    code: str = Field(
        min_length=1,
        max_length=64,
        description="The sign-in code the server printed to its terminal when it started.",
    )


class WrongSignInCode(AppError):
    status_code = 403
    code = "wrong_sign_in_code"
    detail = (
        "That is not this server's sign-in code; it is printed in the server's terminal "
        "when it starts."
    )


class DevToken(BaseModel):
    token: str


async def dev_mode_loopback(request: Request, services: ServicesDep) -> Settings:
    """404 unless dev mode and a direct loopback client; runs before the body is read, so a
    page can probe with an empty body (422 here, 404 elsewhere)."""
    settings = services.settings
    if not dev_mode(settings) or not _direct_loopback(request):
        raise NotFound()
    return settings


@router.post(
    "/dev/token",
    tags=["dev"],
    summary="Sign in by name (dev mode, loopback clients only)",
    description="A token for `user_id`, signed with the dev secret. Only when neither "
    "`AUTH_SECRET` nor `AUTH_JWKS_URL` is set, and only for a loopback client that reached "
    "the server directly by a loopback name; everywhere else `404`. `code` is the sign-in "
    "code the server printed when it started (`403 wrong_sign_in_code` otherwise).",
    responses=responses(NotFound, InvalidRequest, WrongSignInCode),
)
async def dev_token(
    body: DevTokenRequest, settings: Annotated[Settings, Depends(dev_mode_loopback)]
) -> DevToken:
    if not code_matches(settings, body.code):
        raise WrongSignInCode()
    token = local_token(settings, body.user_id, DEV_TOKEN_TTL)
    if token is None:
        raise NotFound()
    return DevToken(token=token)


def _direct_loopback(request: Request) -> bool:
    """A loopback peer that named a loopback host: not a proxy forwarding someone else (a
    proxy on this machine is a loopback peer too), not a page on a rebound DNS name."""
    if request.client is None or not _is_loopback_address(request.client.host):
        return False
    if any(name in request.headers for name in PROXY_HEADERS) or any(
        name.startswith("x-forwarded-") for name in request.headers
    ):
        return False
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in LOOPBACK_HOSTS


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def install_page(app: FastAPI) -> None:
    """The page's routes and files (compressed, revalidated: backend/web/files.py); before
    any catch-all mount at `/`."""
    page = SingleFile(RevalidatedFiles(directory=STATIC_DIR, headers=PAGE_HEADERS), "index.html")
    app.router.routes.append(
        Route("/", compressed(page), methods=["GET", "HEAD"], include_in_schema=False)
    )
    app.include_router(router)
    app.mount("/static", compressed(RevalidatedFiles(directory=STATIC_DIR)), name="static")
