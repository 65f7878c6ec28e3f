"""A fake OpenAI-compatible HTTP server (Responses + Chat Completions) with latency and faults.

In tests: `async with running_server(create_fake_openai_app(config)) as base_url: ...`.
Standalone: `python -m tests.fakes.openai_server --port 8100 --ttft 0.05 --tps 20`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import logging
import random
import sys
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.apps import serving_in_thread
from tests.fakes.openai_frames import (
    SSE_HEADERS,
    Api,
    Frame,
    Reply,
    Script,
    error_body,
    full_body,
    new_id,
    stream_frames,
    tool_then_reply,
)

Fault = Literal[429, 500, "cut"] | None
Outcome = Literal["completed", "cut", "cancelled"]
_CUT_MESSAGE = "ASGI callable returned without completing response."
_cutting = contextvars.ContextVar("fake_openai_cutting", default=False)


@dataclass
class FakeConfig:
    """Knobs (read per request, so tests may change them at runtime) and counters."""

    script: Script | None = None  # None: always `Reply()` (filler text of `reply_words` words)
    ttft_seconds: float = 0.0
    tokens_per_second: float = 0.0  # 0: no pacing between output chunks
    reply_words: int = 20
    chunk_size: int = 4  # characters per text/arguments delta
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_cut: float = 0.0
    cut_after_frames: int | None = None  # None: half of the stream
    stall_after_frames: int | None = None  # stop sending (not closing) after this many frames
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    requests: int = 0
    active_streams: int = 0
    completed_streams: int = 0
    cancelled_streams: int = 0
    cut_streams: int = 0
    error_responses: int = 0
    stalled_streams: int = 0
    bodies: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=100), repr=False)
    _changed: threading.Condition = field(
        default_factory=threading.Condition, init=False, repr=False, compare=False
    )

    def bump(self, **deltas: int) -> None:
        """Change counters atomically (as seen by `wait_for`), e.g. `bump(requests=1)`."""
        with self._changed:
            for counter, delta in deltas.items():
                setattr(self, counter, getattr(self, counter) + delta)
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[FakeConfig], bool], within: float = 5.0) -> None:
        """Wait (without blocking the event loop) until `predicate(self)` holds."""

        def wait() -> bool:
            with self._changed:
                return self._changed.wait_for(lambda: predicate(self), within)

        if not await asyncio.to_thread(wait):
            raise TimeoutError(f"fake OpenAI condition not reached in {within}s: {self.stats()}")

    def draw_fault(self) -> Fault:
        roll = self.rng.random()
        if roll < self.rate_429:
            return 429
        if roll < self.rate_429 + self.rate_500:
            return 500
        if roll < self.rate_429 + self.rate_500 + self.rate_cut:
            return "cut"
        return None

    def stats(self) -> dict[str, int]:
        names = ("requests", "active_streams", "completed_streams", "cancelled_streams",
                 "cut_streams", "error_responses", "stalled_streams")  # fmt: skip
        return {name: getattr(self, name) for name in names}


class _Pacer:
    """Schedules output frames at `ttft + k / tps` from the stream start, so delays don't drift."""

    def __init__(self, ttft: float, tps: float) -> None:
        self._start = time.monotonic() + ttft
        self._gap = 1.0 / tps if tps > 0 else 0.0
        self._sent = 0

    async def skip(self, frames: Sequence[Frame]) -> None:
        """Take as long as streaming `frames` would (for non-streamed requests)."""
        self._sent = max(0, sum(frame.content for frame in frames) - 1)
        await self.wait()

    async def wait(self) -> None:
        delay = self._start + self._sent * self._gap - time.monotonic()
        self._sent += 1
        if delay > 0:
            await anyio.sleep(delay)


class _SSEResponse(Response):
    """Streams frames; stops early on client disconnect or (on purpose) drops the connection."""

    def __init__(self, frames: Sequence[Frame], config: FakeConfig, cut_after: int | None) -> None:
        # Like StreamingResponse: no body, so no content-length and a chunked reply.
        self.status_code, self.background = 200, None
        self.init_headers({**SSE_HEADERS, "x-request-id": new_id("req_")})
        self._frames, self._config, self._cut_after = frames, config, cut_after
        self._outcome: Outcome | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._config.bump(active_streams=1)
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(_cancel_on_disconnect, receive, group.cancel_scope)
                await self._send_frames(send)
                group.cancel_scope.cancel()
        finally:
            self._settle("cancelled")
        if self._outcome == "cut":
            _cutting.set(True)  # read by _QuietCut in uvicorn's task, after we return

    def _settle(self, outcome: Outcome) -> None:
        if self._outcome is None:
            self._outcome = outcome
            self._config.bump(**{"active_streams": -1, f"{outcome}_streams": 1})

    async def _send_frames(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        pacer = _Pacer(self._config.ttft_seconds, self._config.tokens_per_second)
        last = len(self._frames) - 1
        for index, frame in enumerate(self._frames):
            if index == self._cut_after:
                self._settle("cut")
                return  # without the final body message: uvicorn then closes the socket
            if index == self._config.stall_after_frames:
                self._config.bump(stalled_streams=1)
                await anyio.sleep_forever()  # until the client gives up and disconnects
            if frame.content:
                await pacer.wait()
            if index == last:
                # Before the terminal frame leaves, so a client that has seen it sees the counters.
                self._settle("completed")
            more = index != last
            await send({"type": "http.response.body", "body": frame.data, "more_body": more})


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()


class _QuietCut(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.getMessage() == _CUT_MESSAGE and _cutting.get())


def _install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietCut) for f in logger.filters):
        logger.addFilter(_QuietCut())


async def _handle(config: FakeConfig, request: Request, api: Api) -> Response:
    config.bump(requests=1)
    try:
        body = await request.json()
    except ValueError:
        return _error(config, 400)
    config.bodies.append(body)
    fault = config.draw_fault()
    if fault == 429 or fault == 500:
        return _error(config, fault)
    try:
        turn = config.script(body) if config.script else Reply()
    except Exception as exc:
        return _error(config, 500, f"fake OpenAI script failed: {exc!r}")
    options = {"request": body, "chunk_size": config.chunk_size, "reply_words": config.reply_words}
    frames = stream_frames(api, turn, **options)
    if not body.get("stream"):
        await _Pacer(config.ttft_seconds, config.tokens_per_second).skip(frames)
        return JSONResponse(full_body(api, turn, **options))
    cut = len(frames) // 2 if config.cut_after_frames is None else config.cut_after_frames
    return _SSEResponse(frames, config, min(cut, len(frames) - 1) if fault == "cut" else None)


def _error(config: FakeConfig, status: int, message: str | None = None) -> Response:
    config.bump(error_responses=1)
    headers = {"x-request-id": new_id("req_")}
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def create_fake_openai_app(config: FakeConfig) -> Starlette:
    _install_log_filter()

    async def responses(request: Request) -> Response:
        return await _handle(config, request, "responses")

    async def chat(request: Request) -> Response:
        return await _handle(config, request, "chat")

    async def stats(request: Request) -> Response:
        return JSONResponse(config.stats())

    return Starlette(
        routes=[
            Route("/v1/responses", responses, methods=["POST"]),
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/fake/stats", stats, methods=["GET"]),
        ]
    )


@asynccontextmanager
async def running_server(app: ASGIApp) -> AsyncIterator[str]:
    """Serve `app` with uvicorn in a background thread on a free port; yields the `/v1` URL."""
    async with serving_in_thread(app, lifespan="off", grace=2, name="fake-openai") as url:
        yield f"{url}/v1"


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible model server")
    add = parser.add_argument
    add("--host", default="127.0.0.1")
    add("--port", type=int, default=8100)
    add("--ttft", type=float, default=0.0, help="seconds before the first output chunk")
    add("--tps", type=float, default=0.0, help="output chunks per second (0: unpaced)")
    add("--reply-words", type=int, default=20)
    add("--chunk-size", type=int, default=4)
    add("--rate-429", type=float, default=0.0)
    add("--rate-500", type=float, default=0.0)
    add("--rate-cut", type=float, default=0.0)
    add("--seed", type=int, default=0)
    add("--tool", help="call this tool on each user turn, then reply")
    add("--tool-args", default="{}", help="JSON arguments for --tool")
    add("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parse_args(argv)
    config = FakeConfig(
        script=tool_then_reply(args.tool, json.loads(args.tool_args)) if args.tool else None,
        ttft_seconds=args.ttft, tokens_per_second=args.tps, reply_words=args.reply_words,
        chunk_size=args.chunk_size, rate_429=args.rate_429, rate_500=args.rate_500,
        rate_cut=args.rate_cut, rng=random.Random(args.seed),
    )  # fmt: skip
    sys.stderr.write(f"fake OpenAI on http://{args.host}:{args.port}/v1\n")
    uvicorn.run(create_fake_openai_app(config), host=args.host, port=args.port, ws="none",
                lifespan="off", access_log=False, log_level=args.log_level)  # fmt: skip


if __name__ == "__main__":
    main()
