"""`/mcp`: the `todo` server over MCP Streamable HTTP, for other agents and MCP clients.

Authentication is the MCP SDK's own: its bearer middleware asks `BearerTokens` (our JWT
verifier behind the SDK's `TokenVerifier`), answers `401` with `WWW-Authenticate: Bearer …
resource_metadata="…"`, and serves the RFC 9728 document. Tools then act for the verified
token's subject only (mcp_tools/identity.py).

Stateless, with JSON responses: every POST is answered on its own, so any worker or replica
behind a load balancer can take any request (no sticky sessions, nothing lost on a restart).
The tools are plain request/response, so nothing needs a server-to-client stream.
"""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, InputRequiredResult
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.db.engine import SessionMaker
from backend.http.errors import Unauthorized
from backend.limits.mcp import CallLimit
from backend.limits.rate import HitCounter
from backend.settings import Settings
from mcp_tools.identity import token_user
from mcp_tools.request_limit import RequestLimited
from mcp_tools.results import tool_error
from mcp_tools.server import TodoServer, register_todo_tools

MCP_PATH = "/mcp"
METADATA_PATH = "/.well-known/oauth-protected-resource/mcp"  # RFC 9728 §3.1, for MCP_PATH
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class Verifier(Protocol):
    """backend/auth/verifier.py's `TokenVerifier`, set up for /mcp's tokens."""

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified token's claims (`sub` a usable user id), or `Unauthorized`."""
        ...

    async def verify(self, token: str) -> str:
        """The verified token's subject, or `Unauthorized`."""
        ...


class BearerTokens(TokenVerifier):
    """Our verifier (HS256 secret or JWKS, issuer, audience) as the SDK's `TokenVerifier`.
    The scopes are the token's own (`scope`, RFC 9068, or a `scp` list); the SDK's middleware
    answers `403 insufficient_scope` when the required one is missing."""

    def __init__(self, verifier: Verifier) -> None:
        self._verifier = verifier

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            claims = await self._verifier.claims(token.strip())
        except Unauthorized:
            return None
        user: str = claims["sub"]
        # The user is the principal the SDK binds requests to, whichever client holds it.
        return AccessToken(token=token, client_id=user, scopes=_scopes(claims), subject=user)


def _scopes(claims: dict[str, Any]) -> list[str]:
    scope, scp = claims.get("scope"), claims.get("scp")
    if isinstance(scope, str):
        return scope.split()
    if isinstance(scp, list):
        return [item for item in scp if isinstance(item, str)]
    return []


class RemoteTodoServer(TodoServer):
    """The `todo` server as remote clients reach it: every tool call counts toward the
    caller's per-minute limit."""

    def __init__(self, limit: CallLimit, **options: Any) -> None:
        super().__init__(**options)
        self._limit = limit

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        user = token_user()
        if user is None:  # the SDK's middleware lets no such request through
            return tool_error("This tool needs a bearer token.")
        refused = await self._limit.refusal(user)
        if refused is not None:
            return tool_error(refused)
        return await super().call_tool(name, arguments, context)


@dataclass(frozen=True)
class RemoteMCP:
    server: RemoteTodoServer
    app: ASGIApp

    def running(self) -> AbstractAsyncContextManager[None]:
        """Entered in the app's lifespan: requests need the SDK's task group."""
        return self.server.session_manager.run()


def create_remote_mcp(
    settings: Settings,
    sessionmaker: SessionMaker,
    verifier: Verifier,
    counter: HitCounter,
) -> RemoteMCP:
    issuer = settings.mcp_oauth_issuer
    server = RemoteTodoServer(
        CallLimit(counter, settings.mcp_calls_per_minute),
        token_verifier=BearerTokens(verifier),
        auth=AuthSettings(
            # Named only in the SDK's own metadata route, which `ProtectedResource` replaces.
            issuer_url=issuer or settings.public_url,
            resource_server_url=settings.mcp_resource,
            required_scopes=[settings.mcp_scope] if issuer else None,
            # Our verifier checks `aud` itself (the resource, with an OAuth issuer).
            validate_token_resource=False,
        ),
    )
    register_todo_tools(server, sessionmaker)
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        transport_security=transport_security(settings),
    )
    limited = RequestLimited(app, verifier.verify, counter, settings.rest_requests_per_minute)
    return RemoteMCP(server, limited)


def protected_resource_metadata(settings: Settings) -> dict[str, Any]:
    """The RFC 9728 document: the authorization server that issues /mcp's tokens and the scope
    they need, or, with none configured, no server at all (a client then sends a bearer header
    it was given: docs/mcp.md), never one that serves no authorization endpoints."""
    document: dict[str, Any] = {
        "resource": settings.mcp_resource,
        "bearer_methods_supported": ["header"],
        "resource_name": "todo-chat",
    }
    issuer = settings.mcp_oauth_issuer
    if issuer and urlsplit(issuer).scheme in ("http", "https"):
        document["authorization_servers"] = [issuer]
        document["scopes_supported"] = [settings.mcp_scope]
    return document


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """DNS-rebinding protection: loopback and MCP_ALLOWED_HOSTS only, as `Host` (and, from
    browsers, `Origin`). A name without a port is accepted on any port."""
    hosts = [*LOOPBACK_HOSTS, *settings.mcp_allowed_host_list]
    allowed_hosts = [pattern for host in hosts for pattern in _with_any_port(host)]
    allowed_origins = [
        f"{scheme}://{pattern}" for scheme in ("http", "https") for pattern in allowed_hosts
    ]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=allowed_hosts,
        allowed_origins=[*allowed_origins, *settings.cors_origin_list],
    )


def _with_any_port(host: str) -> list[str]:
    has_port = host.rsplit("]", 1)[-1].count(":") == 1
    return [host] if has_port else [host, f"{host}:*"]


class _Forward:
    """An endpoint for FastAPI's router that hands the request to the MCP app the lifespan
    built: routes are fixed when the app is created, before the lifespan runs. A refusal's
    challenge also names the scope to ask for (RFC 6750 §3), which the SDK's leaves out."""

    def __init__(self, target: Callable[[], ASGIApp], scope_needed: str | None) -> None:
        self._target = target
        self._scope_needed = scope_needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        needed = self._scope_needed
        if needed is None:
            await self._target()(scope, receive, send)
            return

        async def challenge_with_scope(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (401, 403):
                message["headers"] = [
                    (name, value + f', scope="{needed}"'.encode())
                    if name.lower() == b"www-authenticate"
                    else (name, value)
                    for name, value in message["headers"]
                ]
            await send(message)

        await self._target()(scope, receive, challenge_with_scope)


def mcp_routes(target: Callable[[], ASGIApp], settings: Settings) -> list[BaseRoute]:
    """Exactly the two paths /mcp needs, so every other path keeps the API's own 404/405
    answers (a mount at `/` would take them over)."""
    document = protected_resource_metadata(settings)

    async def metadata(request: Request) -> JSONResponse:
        return JSONResponse(document, headers={"Cache-Control": "public, max-age=3600"})

    scope_needed = settings.mcp_scope if settings.mcp_oauth_issuer else None
    return [
        # No GET (nor HEAD): stateless, the server offers no stream of its own, and the SDK's
        # GET would hold one open that never sends a byte. Answering 405 is what the MCP
        # transport asks of a server without one; DELETE is the SDK's (405 when stateless).
        Route(
            MCP_PATH,
            _Forward(target, scope_needed),
            methods=["POST", "DELETE"],
            include_in_schema=False,
        ),
        Route(METADATA_PATH, metadata, methods=["GET"], include_in_schema=False),
    ]
