"""Running an app the way a server does: its lifespan, a client on it, or a real uvicorn on a
free loopback port (in this event loop, or in a thread of its own as in production)."""

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import httpx
import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """Run the app's lifespan in a task of its own, entered and left there.

    The lifespan holds anyio cancel scopes (the in-process MCP client) that must be left in
    the task that entered them; pytest-asyncio tears fixtures down in another task.
    """
    started = asyncio.Event()
    stop = asyncio.Event()

    async def lifespan() -> None:
        async with app.router.lifespan_context(app):
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    ready = asyncio.create_task(started.wait())
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if not started.is_set():
        ready.cancel()
        await task  # raises the startup error
    try:
        yield app
    finally:
        stop.set()
        await task


@asynccontextmanager
async def asgi_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a built app, with its lifespan run (in a task of its own)."""
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


Lifespan = Literal["auto", "on", "off"]


class ThreadServer(uvicorn.Server):
    """uvicorn for a thread of its own: says when it listens, and on which port."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    def wait_ready(self, thread: threading.Thread, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.05):
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn ({thread.name}) failed to start")

    def port(self) -> int:
        port: int = self.servers[0].sockets[0].getsockname()[1]
        return port


def loopback_config(
    app: ASGIApp, *, port: int = 0, lifespan: Lifespan = "on", grace: int = 5
) -> uvicorn.Config:
    return uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan=lifespan, ws="none", access_log=False,
        log_level="warning", timeout_graceful_shutdown=grace,
    )  # fmt: skip


@asynccontextmanager
async def serving(app: FastAPI, port: int = 0) -> AsyncIterator[str]:
    """Serve `app` with a real uvicorn (lifespan on) on a loopback port (a free one unless
    given), in this event loop (the test and the app may share asyncio objects); yields the
    base URL."""
    server = uvicorn.Server(loopback_config(app, port=port))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):  # guards a hang; startup takes well under a second
        while not server.started:
            if task.done():
                await task  # raises the startup error
                raise RuntimeError("uvicorn exited during startup")
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def serving_in_thread(
    app: ASGIApp, *, lifespan: Lifespan = "on", grace: int = 5, name: str = "app"
) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread of its own (its own event
    loop, as in production); yields the base URL."""
    server = ThreadServer(loopback_config(app, lifespan=lifespan, grace=grace))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        await asyncio.to_thread(server.wait_ready, thread, 30.0)
        yield f"http://127.0.0.1:{server.port()}"
    finally:
        server.should_exit = True
        # A storm's runs finish storing their answers first; on a loaded machine (two suites
        # at once) that took longer than 15 s.
        await asyncio.to_thread(thread.join, 30.0)
        if thread.is_alive():
            server.force_exit = True
            await asyncio.to_thread(thread.join, 5.0)
        assert not thread.is_alive(), f"uvicorn ({name}) did not stop"
