"""Request ids on every response, and the request body cap (413 with the error JSON)."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.apps import serving
from tests.backend.support import assert_error
from tests.tokens import AuthHeaders

GENERATED = re.compile(r"^[0-9a-f]{32}$")
CAP = 64 * 1024


async def test_every_response_carries_a_request_id(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    alice = auth("alice")
    responses = [
        await client.get("/healthz"),
        await client.get("/api/alice/tasks", headers=alice),
        await client.get("/api/alice/tasks"),
        await client.get("/api/bob/tasks", headers=alice),
        await client.get("/api/alice/tasks/1", headers=alice),
        await client.get("/api/alice/tasks/x", headers=alice),
        await client.get("/no/such/route"),
        await client.post("/api/alice/tasks", content=b"x" * (CAP + 1), headers=alice),
    ]
    assert [r.status_code for r in responses] == [200, 200, 401, 403, 404, 422, 404, 413]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(GENERATED.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    "offered", ["abc-123", "req_1.2:3", "0" * 128, "f47ac10b-58cc-4372-a567-0e02b2c3d479"]
)
async def test_a_well_formed_client_request_id_is_echoed(
    client: httpx.AsyncClient, offered: str
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": offered})
    assert response.headers["x-request-id"] == offered
    assert response.headers.get_list("x-request-id") == [offered]


@pytest.mark.parametrize(
    "offered",
    ["has spaces", "x" * 300, "x" * 129, "tab\there", 'quote"d', "semi;colon", "", "é"],
    ids=["spaces", "300-chars", "129-chars", "tab", "quote", "semicolon", "empty", "non-ascii"],
)
async def test_a_malformed_client_request_id_is_replaced(
    client: httpx.AsyncClient, offered: str
) -> None:
    response = await client.get("/healthz", headers={b"X-Request-ID": offered.encode()})
    assert response.status_code == 200
    assert GENERATED.match(response.headers["x-request-id"])
    assert response.headers.get_list("x-request-id") == [response.headers["x-request-id"]]


async def chunks(total: int, size: int = 8192) -> AsyncIterator[bytes]:
    """A body streamed without Content-Length (chunked), as a client may send it."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


async def test_a_streamed_body_over_the_cap_is_413(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    headers = {**auth("alice"), "Content-Type": "application/json"}
    response = await client.post("/api/alice/tasks", content=chunks(CAP + 1), headers=headers)
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")
    assert GENERATED.match(response.headers["x-request-id"])
    listed = await client.get("/api/alice/tasks", headers=auth("alice"))
    assert listed.json()["total"] == 0


async def test_a_streamed_body_under_the_cap_is_accepted(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"title": "streamed",'
        yield b' "description": "' + b"d" * 1000 + b'"}'

    headers = {**auth("alice"), "Content-Type": "application/json"}
    response = await client.post("/api/alice/tasks", content=body(), headers=headers)
    assert response.status_code == 201
    assert response.json()["title"] == "streamed"


async def test_a_body_exactly_at_the_cap_is_not_refused_for_size(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    prefix, suffix = b'{"title": "at the cap", "pad": "', b'"}'
    body = prefix + b"x" * (CAP - len(prefix) - len(suffix)) + suffix
    assert len(body) == CAP
    headers = {**auth("alice"), "Content-Type": "application/json"}
    response = await client.post("/api/alice/tasks", content=body, headers=headers)
    # Read in full and validated: the unknown `pad` field is what is refused, not the size.
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app on a real uvicorn: only a real socket shows how an oversized body is refused."""
    async with serving(app) as url:
        yield url


OVERSIZED = [CAP + 1, CAP + 8192, 3 * 1024 * 1024, 8 * 1024 * 1024]


@pytest.mark.parametrize("size", OVERSIZED, ids=lambda size: f"{size}-bytes")
@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
async def test_an_async_client_sending_an_oversized_body_reads_the_413(
    served: str, auth: AuthHeaders, size: int, streamed: bool
) -> None:
    """The server answers before the body is in: it must read the rest, or an async client
    still sending gets a connection reset instead of the answer."""
    headers = {**auth("alice"), "Content-Type": "application/json"}
    body = b'{"title": "' + b"x" * size + b'"}'
    async with httpx.AsyncClient(base_url=served, timeout=30) as http:
        for _ in range(3):
            content = chunks(len(body)) if streamed else body
            response = await http.post("/api/alice/tasks", content=content, headers=headers)
            assert_error(response, 413, "payload_too_large")
        listed = await http.get("/api/alice/tasks", headers=auth("alice"))
    assert listed.json()["total"] == 0


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/api/alice/tasks", "/openapi.json"])
async def test_head_on_a_get_route_answers_as_get_without_a_body(
    client: httpx.AsyncClient, auth: AuthHeaders, path: str
) -> None:
    get = await client.get(path, headers=auth("alice"))
    head = await client.head(path, headers=auth("alice"))
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == get.headers["content-type"]


async def test_head_where_no_get_is_served_is_405(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    response = await client.head("/api/alice/chat", headers=auth("alice"))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
