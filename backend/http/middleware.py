"""Pure ASGI middleware (no BaseHTTPMiddleware: it would buffer SSE streams)."""

import json
import logging
import re
import uuid
from contextvars import ContextVar

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.http.errors import AppError, PayloadTooLarge

log = logging.getLogger(__name__)

# What the logs say about the request being served (backend/http/logs.py).
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
user_id_var: ContextVar[str | None] = ContextVar("user_id", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Every response carries `X-Request-ID`: the client's when well-formed, else a new one.

    Outermost of ours, it also answers an unhandled error with the 500 JSON itself: Starlette
    would answer it outside every user middleware, without the id in the header or the log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = _header(scope, b"x-request-id")
        request_id = offered if offered and _REQUEST_ID.match(offered) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if started:
                raise
            log.exception("unhandled error")
            await send_error(send_with_id, AppError())
        finally:
            user_id_var.reset(user_token)
            request_id_var.reset(token)


# Answering 413 and closing while the client is still sending resets the connection, and a
# client busy writing (httpx.AsyncClient, the openai SDK) then never reads the answer. So the
# rest of the body is read and dropped first, up to this bound in bytes and seconds; past it
# the connection is closed anyway rather than spend more on a client that will not stop.
DRAIN_MAX_BYTES = 16 * 1024 * 1024
DRAIN_MAX_SECONDS = 10.0


class BodySizeLimitMiddleware:
    """413 for bodies over the limit, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            if declared.isdigit() and int(declared) <= DRAIN_MAX_BYTES:
                await _drain(receive, 0)
            await _reject_too_large(send)
            return
        received = 0
        too_large = started = replaced = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    if message.get("more_body", False):
                        await _drain(receive, received)
                    raise PayloadTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            # FastAPI turns an error raised while reading the body into its own 400: whatever
            # the app answers to a body cut short at the limit, the client gets our 413.
            nonlocal started, replaced
            if message["type"] == "http.response.start":
                started = True
                if too_large:
                    replaced = True
                    await _reject_too_large(send)
                    return
            elif replaced:
                return
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except PayloadTooLarge:
            if started:
                raise
            await _reject_too_large(send)


async def _drain(receive: Receive, received: int) -> None:
    """Read and drop the rest of a request body, within the bounds above."""
    with anyio.move_on_after(DRAIN_MAX_SECONDS):
        while received <= DRAIN_MAX_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left
            received += len(message.get("body", b""))
            if not message.get("more_body", False):
                return


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _reject_too_large(send: Send) -> None:
    await send_error(send, PayloadTooLarge())


async def send_error(send: Send, error: AppError) -> None:
    """The error's JSON response, ending the connection (the request's body is left unread)."""
    body = json.dumps({"detail": error.detail, "code": error.code}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *((k.lower().encode(), v.encode()) for k, v in error.headers.items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HeadAsGetMiddleware:
    """`HEAD` on a GET route is answered as the GET without its body (load balancers probe
    with it); FastAPI's routes answer only the methods they declare."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def send_head(message: Message) -> None:
            nonlocal finished
            if finished:
                return  # the rest of a streamed body
            if message["type"] == "http.response.body":
                finished = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # A copy: the server's own scope keeps HEAD, so it writes no body either.
        await self.app({**scope, "method": "GET"}, receive, send_head)
