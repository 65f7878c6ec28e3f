"""One running turn per conversation across server processes (the lock is in PostgreSQL).

`todo-chat serve --workers 2` runs as a client would start it, against the test database and
a slow fake model server (both subprocesses). While a turn waits for the model, every other
message to that conversation is 409 `conversation_busy`, whichever worker takes it; which
worker served a request is read from /proc (the process holding the server's end of the
connection), so the test proves that both did.
"""

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.support import assert_error
from tests.processes import Process, fake_provider, serve_env, todo_chat_serve, until
from tests.rows import count_rows
from tests.sse import SSE, names, sse_events
from tests.tokens import TokenFactory

MODEL_TTFT_SECONDS = 6.0
# The kernel decides which worker accepts a connection, and under load one may take many in
# a row (a batch sent at once all goes to whichever wakes first): keep sending, one at a
# time, until both have refused, for at most this long while the first turn still runs.
SECOND_MESSAGES_SECONDS = MODEL_TTFT_SECONDS - 2.0


def _children(parent: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid …: comm may hold spaces, so split after its ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.add(int(entry.name))
    return found


def serving_process(server: Process, port: int, client_port: int) -> int:
    """The worker process holding the server's end of the connection from `client_port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.rsplit(":", 1)[1], 16) == port and int(remote.rsplit(":", 1)[1], 16) == (
                client_port
            ):
                inodes.add(f"socket:[{inode}]")
    for pid in _children(server.pid):
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) in inodes:
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker holds the connection from port {client_port}")


class Workers:
    """Requests to the served app, each on a new connection, noting which worker answered."""

    def __init__(self, server: Process, port: int) -> None:
        self.server, self.port = server, port
        self.base_url = f"http://127.0.0.1:{port}"

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, int]:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            response = await client.request(method, path, **kwargs)
            # The connection is still open (kept alive): find who holds its other end.
            client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
            return response, serving_process(self.server, self.port, client_port)


@pytest.fixture
async def fake_model(tmp_path: Path) -> AsyncIterator[str]:
    """The fake OpenAI-compatible server, slow to its first token, in a process of its own."""
    options = ("--ttft", str(MODEL_TTFT_SECONDS), "--reply-words", "5")
    async with fake_provider(tmp_path / "fake-openai.log", *options) as url:
        yield url


@pytest.fixture
async def two_workers(
    database: str, fake_model: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[Workers]:
    # This test is about the conversation lock: serve_env keeps the per-user limits out of
    # the way, and the working directory has no .env. Two workers need Redis.
    env = {**serve_env(database, fake_model, tmp_path / "data"), "REDIS_URL": redis_url}
    log = tmp_path / "todo-chat-serve.log"
    async with todo_chat_serve(env, "--workers", "2", cwd=tmp_path, log=log) as served:
        workers = Workers(served.process, served.port)
        ready: set[int] = set()

        async def both_ready() -> bool:
            try:
                response, pid = await workers.request("GET", "/readyz")
            except httpx.TransportError:
                return False
            if response.status_code == 200:
                ready.add(pid)
            return len(ready) == 2

        await until(both_ready, served.process, log)
        yield workers


async def test_a_running_turn_makes_its_conversation_busy_on_every_worker(
    two_workers: Workers, make_token: TokenFactory, db_engine: AsyncEngine
) -> None:
    headers = {"Authorization": f"Bearer {make_token('alice')}"}
    chat = "/api/alice/chat"
    async with (
        httpx.AsyncClient(base_url=two_workers.base_url, timeout=30) as streaming,
        streaming.stream(
            "POST",
            chat,
            json={"message": "Plan my week"},
            headers={**headers, **SSE},
        ) as first,
    ):
        assert first.status_code == 200
        lines = first.aiter_lines()
        opening = ""
        while not opening.endswith("\n\n"):
            opening += await anext(lines) + "\n"
        (started,) = sse_events(opening)
        assert started.name == "conversation"
        conversation_id = started.data["conversation_id"]

        # The first turn now waits for the model; send the same conversation more messages,
        # each on a connection of its own.
        second = {"message": "And next week?", "conversation_id": conversation_id}
        answered: list[tuple[httpx.Response, int]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SECOND_MESSAGES_SECONDS
        while len({pid for _, pid in answered}) < 2 and loop.time() < deadline:
            answered.append(await two_workers.request("POST", chat, json=second, headers=headers))
        rest = [line async for line in lines]

    for response, _ in answered:
        assert_error(response, 409, "conversation_busy")
        assert int(response.headers["retry-after"]) >= 1
    assert len({pid for _, pid in answered}) == 2, "one worker took every message"
    events = sse_events("\n".join(rest))
    assert names(events)[-1] == "done", rest
    assert events[-1].data["conversation_id"] == conversation_id

    after, _ = await two_workers.request("POST", chat, json=second, headers=headers)
    assert after.status_code == 200, after.text
    assert after.json()["conversation_id"] == conversation_id
    assert after.json()["message_id"] == 4
    assert await count_rows(db_engine, "SELECT count(*) FROM messages") == 4
    assert await count_rows(db_engine, "SELECT count(*) FROM conversations") == 1
    assert (
        await count_rows(
            db_engine, "SELECT count(*) FROM conversations WHERE active_run_id IS NOT NULL"
        )
        == 0
    )
