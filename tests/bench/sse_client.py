"""The load generator's clients: an httpx SSE client for latency and throughput, and a
socket-level probe for the many-streams test (httpx's per-chunk cost would make the load
generator, not the server, the bottleneck at tens of thousands of events per second)."""

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

SSE_ACCEPT = {"Accept": "text/event-stream"}


class SSEParser:
    """Incremental SSE parser: bytes in, (event, data) pairs out; comments are skipped."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> Iterator[tuple[str, str]]:
        self._buffer += chunk.replace(b"\r\n", b"\n")
        *blocks, self._buffer = self._buffer.split(b"\n\n")
        for block in blocks:
            name, data = "message", []
            for line in block.decode().split("\n"):
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())
            if data:
                yield name, "\n".join(data)


@dataclass
class TurnResult:
    status: int
    first_delta: float | None  # seconds from sending the request
    total: float
    counts: dict[str, int] = field(default_factory=dict)
    done: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.done is not None


async def chat_turn(
    client: httpx.AsyncClient,
    user: str,
    token: str,
    message: str,
    conversation_id: int | None = None,
) -> TurnResult:
    """One streamed chat turn against todo-chat, timed from the client's side."""
    start = time.perf_counter()
    first: float | None = None
    counts: dict[str, int] = {}
    done: dict[str, Any] | None = None
    headers = {**SSE_ACCEPT, "Authorization": f"Bearer {token}"}
    async with client.stream(
        "POST",
        f"/api/{user}/chat",
        json={"message": message, "conversation_id": conversation_id},
        headers=headers,
    ) as response:
        parser = SSEParser()
        async for chunk in response.aiter_raw():
            for name, data in parser.feed(chunk):
                counts[name] = counts.get(name, 0) + 1
                if name == "delta" and first is None:
                    first = time.perf_counter() - start
                elif name == "done":
                    done = json.loads(data)
    return TurnResult(response.status_code, first, time.perf_counter() - start, counts, done)


@dataclass
class Window:
    """The measurement window shared by all probes: gaps are kept only while it is open."""

    open: bool = False


class StreamProbe(asyncio.Protocol):
    """One raw HTTP/1.1 SSE stream: records when `delta` events arrive, nothing more."""

    def __init__(self, request: bytes, window: Window) -> None:
        self._request = request
        self._window = window
        self.transport: asyncio.Transport | None = None
        self.status: int | None = None
        self.deltas = 0
        self.last_delta: float | None = None
        self.gaps: list[float] = []
        self.ended = False  # a `done` or `error` event arrived
        self.failed = False  # an `error` event arrived
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self.transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if self.status is None and data.startswith(b"HTTP/1.1 "):
            self.status = int(data[9:12])
        count = data.count(b"event: delta")
        if count:
            if self._window.open and self.last_delta is not None:
                self.gaps.append(now - self.last_delta)
                self.gaps.extend([0.0] * (count - 1))
            self.last_delta = now
            self.deltas += count
        if b"event: done" in data or b"event: error" in data:
            self.ended = True
            self.failed = self.failed or b"event: error" in data

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def chat_request(host: str, port: int, user: str, token: str, message: str) -> bytes:
    body = json.dumps({"message": message}).encode()
    head = (
        f"POST /api/{user}/chat HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def open_probe(host: str, port: int, request: bytes, window: Window) -> StreamProbe:
    loop = asyncio.get_running_loop()
    _, probe = await loop.create_connection(lambda: StreamProbe(request, window), host, port)
    return probe
