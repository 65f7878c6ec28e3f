"""The HTTP/1.1 protocol `todo-chat serve` runs: uvicorn's h11 protocol plus the limits a server
facing the internet needs and uvicorn does not have (docs/limits.md, "The connection").

uvicorn bounds neither the time a client takes to send a request's head or body (its
keep-alive timer stops at the first byte) nor, with httptools, the size of the head, nor the
number of connections it holds open. Here:
- a request's head must arrive within `HTTP_HEADER_TIMEOUT` seconds of the moment the server
  waits for it (connection made, or the previous response sent), and its body within
  `HTTP_BODY_TIMEOUT` seconds of the head; else the connection is closed (slowloris);
- a head over `HTTP_MAX_HEADER_BYTES` in all (h11 stops buffering there), a header line over
  `HTTP_MAX_HEADER_LINE_BYTES`, or more than `HTTP_MAX_HEADERS` headers gets `431`;
- a connection beyond `HTTP_MAX_CONNECTIONS` of this process gets `503` and is closed at once.
"""

import asyncio
import functools
import json
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from backend.settings import Settings

# How long a refused connection's further input is read and dropped before it is closed.
LINGER_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class HttpLimits:
    header_timeout: float
    body_timeout: float
    max_header_bytes: int
    max_header_line_bytes: int
    max_headers: int
    max_connections: int

    @classmethod
    def of(cls, settings: Settings) -> "HttpLimits":
        return cls(
            header_timeout=settings.http_header_timeout,
            body_timeout=settings.http_body_timeout,
            max_header_bytes=settings.http_max_header_bytes,
            max_header_line_bytes=settings.http_max_header_line_bytes,
            max_headers=settings.http_max_headers,
            max_connections=settings.http_max_connections,
        )


@functools.cache
def configured_limits() -> HttpLimits:
    """Read once per server process (uvicorn builds one protocol object per connection)."""
    return HttpLimits.of(Settings())


class HeadTooLarge(h11.RemoteProtocolError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason, error_status_hint=431)


class LimitedConnection(h11.Connection):
    """h11's server side, refusing request heads with too many or too long header lines
    (h11 itself bounds the head's total size), and remembering the status each refusal
    deserves."""

    def __init__(self, limits: HttpLimits) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=limits.max_header_bytes)
        self._limits = limits
        self.refusal_status = 400

    def next_event(self) -> Any:
        try:
            event = super().next_event()
            if isinstance(event, h11.Request):
                self._check_head(event)
        except h11.RemoteProtocolError as error:
            self.refusal_status = error.error_status_hint
            raise
        return event

    def _check_head(self, request: h11.Request) -> None:
        # h11 bounds only a head still incomplete: one that arrived whole is measured here.
        lines = [len(name) + len(value) + 2 for name, value in request.headers]
        if len(request.target) + sum(lines) > self._limits.max_header_bytes:
            raise HeadTooLarge("request head too large")
        if len(request.headers) > self._limits.max_headers:
            raise HeadTooLarge("too many header fields")
        if len(request.target) > self._limits.max_header_line_bytes:
            raise HeadTooLarge("request line too long")
        if max(lines, default=0) > self._limits.max_header_line_bytes:
            raise HeadTooLarge("header field too long")


REFUSALS = {
    400: ("Bad Request", "bad_request", "The request is not valid HTTP/1.1."),
    431: (
        "Request Header Fields Too Large",
        "headers_too_large",
        "The request's headers are too large or too many (see docs/limits.md).",
    ),
    503: (
        "Service Unavailable",
        "too_many_connections",
        "The server holds too many connections right now; please retry shortly.",
    ),
}


def refusal(status: int) -> bytes:
    """A complete response that ends the connection, written without h11 (it may come before
    any request, where h11 has no response to send)."""
    reason, code, detail = REFUSALS.get(status, REFUSALS[400])
    body = json.dumps({"detail": detail, "code": code}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n"
    )
    if status == 503:
        head += "retry-after: 1\r\n"
    return head.encode() + b"\r\n" + body


class GuardedH11Protocol(H11Protocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._limits = configured_limits()
        self.conn = LimitedConnection(self._limits)
        self._deadline: asyncio.TimerHandle | None = None
        self._reading_body = False
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._limits.max_connections:
            self.logger.warning("connection refused: over HTTP_MAX_CONNECTIONS")
            self._refuse(503)
            return
        self._expect_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        self._follow_request()

    def on_response_complete(self) -> None:
        # Armed first: completing may start the next pipelined request, which moves it on.
        self._expect_head()
        super().on_response_complete()
        self._follow_request()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request h11 refused: ours carries the status the refusal
        deserves (431 for a head over the limits) and our JSON error shape."""
        self._refuse(self.conn.refusal_status if isinstance(self.conn, LimitedConnection) else 400)

    def _refuse(self, status: int) -> None:
        """Answer, then read and drop what the client still sends for a moment before
        closing: closing on unread data would reset the connection, and the client could
        lose the answer."""
        self._refused = True
        self.transport.write(refusal(status))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._arm(LINGER_SECONDS)

    def _expect_head(self) -> None:
        self._reading_body = False
        self._arm(self._limits.header_timeout)

    def _follow_request(self) -> None:
        """Move the deadline along with the request: from its head to its body, then off
        (a refused connection keeps its deadline: the moment it is closed)."""
        if self._refused:
            return
        state = self.conn.their_state
        if state is h11.SEND_BODY and not self._reading_body:
            self._reading_body = True
            self._arm(self._limits.body_timeout)
        elif state is not h11.IDLE and state is not h11.SEND_BODY:
            self._disarm()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()
