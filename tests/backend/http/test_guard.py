"""The HTTP edge of `todo-chat serve`, against a real server process with raw sockets: heads
over the limits get 431 before they are buffered, slow heads and bodies are cut, connections
are capped, a bad token is refused without waiting for the body — and another user is served
all along."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.processes import Served, serve_env, todo_chat_serve
from tests.tokens import TokenFactory

LIMITS = {
    "HTTP_HEADER_TIMEOUT": "1",
    "HTTP_BODY_TIMEOUT": "1",
    "HTTP_MAX_CONNECTIONS": "40",
}
# How long a test waits for the server to cut a connection it should cut after one second.
CUT_WITHIN = 8.0
NO_PROVIDER = "http://127.0.0.1:9/v1"  # nothing here chats


@pytest.fixture(scope="module")
async def served(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Served]:
    tmp: Path = tmp_path_factory.mktemp("http_guard")
    env = {**serve_env(database_url, NO_PROVIDER, tmp), **LIMITS}
    async with todo_chat_serve(env, cwd=tmp, log=tmp / "serve.log") as server:
        yield server


async def exchange(port: int, request: bytes) -> bytes:
    """Send `request` on a fresh connection and read until the server closes it (a server that
    does not close it within CUT_WITHIN fails the test)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        async with asyncio.timeout(CUT_WITHIN):
            return await reader.read(-1)
    finally:
        writer.close()


def status_and_code(response: bytes) -> tuple[int, str]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)["code"]


def get_healthz(*headers: bytes) -> bytes:
    lines = [b"GET /healthz HTTP/1.1", b"Host: test", b"Connection: close", *headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def other_user_is_served(served: Served, token: str) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=5) as http:
        response = await http.get(
            "/api/guard-bob/tasks", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param([b"X-Big: " + b"a" * 17_000], id="one header over 16 KB"),
        pytest.param([b"X-Part-%d: " % i + b"a" * 14_000 for i in range(5)], id="70 KB in all"),
        pytest.param([b"X-Many-%d: a" % i for i in range(101)], id="101 headers"),
        pytest.param([b"Accept: " + b"a" * 1_000_000], id="a 1 MB Accept"),
    ],
)
async def test_a_head_over_the_limits_is_refused_with_431(
    served: Served, headers: list[bytes]
) -> None:
    response = await exchange(served.port, get_healthz(*headers))
    assert status_and_code(response) == (431, "headers_too_large")


async def test_a_head_within_the_limits_is_served(served: Served) -> None:
    headers = [b"X-Big: " + b"a" * 15_000, *(b"X-Many-%d: a" % i for i in range(90))]
    response = await exchange(served.port, get_healthz(*headers))
    assert response.startswith(b"HTTP/1.1 200"), response[:200]


async def _trickle(writer: asyncio.StreamWriter, chunks: list[bytes]) -> None:
    """One chunk every 0.3 s, as long as the server keeps the connection."""
    for chunk in chunks:
        writer.write(chunk)
        try:
            await writer.drain()
        except ConnectionError:
            return
        await asyncio.sleep(0.3)


async def _cut(served: Served, first: bytes, trickled: list[bytes]) -> bytes:
    """What the server sends on a connection that starts with `first` and then trickles, by
    the time it closes it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(first)
    trickle = asyncio.create_task(_trickle(writer, trickled))
    try:
        async with asyncio.timeout(CUT_WITHIN):
            return await reader.read(-1)
    finally:
        trickle.cancel()
        writer.close()


async def test_slow_clients_are_cut_while_another_user_is_served(
    served: Served, make_token: TokenFactory
) -> None:
    alice = make_token("guard-alice").encode()
    post_head = (
        b"POST /api/guard-alice/tasks HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + alice + b"\r\nContent-Length: 200\r\n\r\n"
    )
    attacks = {
        "silent": (b"", []),
        "half a request line": (b"GET /healthz HT", []),
        "a header every 0.3 s": (b"GET /healthz HTTP/1.1\r\n", [b"X-A: b\r\n"] * 100),
        "a body byte every 0.3 s": (post_head, [b" "] * 200),
    }
    cuts = {
        name: asyncio.create_task(_cut(served, first, trickled))
        for name, (first, trickled) in attacks.items()
        for _ in range(5)
    }
    while not all(cut.done() for cut in cuts.values()):
        await other_user_is_served(served, make_token("guard-bob"))
        await asyncio.sleep(0.1)
    for name, cut in cuts.items():
        assert cut.exception() is None, f"{name}: still open after {CUT_WITHIN}s"


async def test_a_bad_token_is_refused_without_waiting_for_the_body(served: Served) -> None:
    head = (
        b"POST /api/guard-alice/tasks HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer not-a-token\r\nContent-Length: 60000\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    try:
        writer.write(head)
        # The answer comes while the body is still owed (before the body deadline cuts it).
        async with asyncio.timeout(CUT_WITHIN):
            response = await reader.read(-1)
    finally:
        writer.close()
    assert status_and_code(response) == (401, "unauthorized")


async def test_connections_beyond_the_cap_are_refused_until_slow_ones_are_cut(
    served: Served, make_token: TokenFactory
) -> None:
    opened = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(60)]
    try:
        async with asyncio.timeout(CUT_WITHIN):
            answers = await asyncio.gather(*(reader.read(-1) for reader, _ in opened))
    finally:
        for _, writer in opened:
            writer.close()
    refused = [a for a in answers if a]
    assert len(refused) >= 20
    assert all(status_and_code(a) == (503, "too_many_connections") for a in refused)
    # The silent ones were cut at their head deadline (every read above ended): room again.
    await other_user_is_served(served, make_token("guard-bob"))


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_head_is_answered_without_a_body_by_the_server(served: Served, path: str) -> None:
    request = f"HEAD {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode()
    response = await exchange(served.port, request)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"content-length: " in head.lower()
    assert body == b""


async def test_refused_connections_are_closed_even_when_the_client_keeps_them_open(
    served: Served, make_token: TokenFactory
) -> None:
    """More refused connections than the cap, all left open by their clients: the server
    closes its side soon after answering, so they do not hold the cap."""
    opened = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(45)]
    try:
        for _, writer in opened:
            # A head that never ends: refused once it passes 64 KiB, still incomplete.
            writer.write(b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * 70_000)
        async with asyncio.timeout(CUT_WITHIN):
            answers = await asyncio.gather(*(reader.read(-1) for reader, _ in opened))
        refusals = [status_and_code(a) for a in answers]
        assert set(refusals) <= {(431, "headers_too_large"), (503, "too_many_connections")}
        assert refusals.count((431, "headers_too_large")) >= 30
        async with asyncio.timeout(CUT_WITHIN):
            while True:
                try:
                    await other_user_is_served(served, make_token("guard-bob"))
                    break
                except (AssertionError, httpx.TransportError):
                    await asyncio.sleep(0.2)
    finally:
        for _, writer in opened:
            writer.close()
