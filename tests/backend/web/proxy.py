"""A loopback TCP proxy whose connections a test can cut, to drop a browser's stream the way
a flaky network does (Chromium's offline emulation leaves open streams alone)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.writers: set[asyncio.StreamWriter] = set()
        self.refusing = False  # the network is down: new connections are reset at once

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.transport.abort()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self.writers.update({writer, upstream_writer})
        try:
            await asyncio.gather(
                self.pipe(reader, upstream_writer), self.pipe(upstream_reader, writer)
            )
        finally:
            for w in (writer, upstream_writer):
                self.writers.discard(w)
                w.close()

    async def pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    def cut(self) -> int:
        """Close every open connection at once (as a reset); returns how many there were."""
        cut = len(self.writers)
        for writer in list(self.writers):
            writer.transport.abort()
        return cut


@asynccontextmanager
async def cuttable(url: str) -> AsyncIterator[tuple[str, CuttableProxy]]:
    """A proxy to the server at `url`; yields its own base URL and the proxy."""
    parts = urlsplit(url)
    proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 80)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", proxy
    finally:
        proxy.cut()
        server.close()
        await server.wait_closed()
