"""The page and its files on the wire: gzip for a browser that accepts it, a validator and
`Cache-Control: no-cache`, so a reload gets `304` and no body; the API's event streams are
never compressed (a gzip buffer would hold their events back)."""

import gzip

import httpx
import pytest

from backend.settings import Settings
from backend.web.router import CONTENT_SECURITY_POLICY, STATIC_DIR
from tests.backend.chatkit.client import request_body
from tests.backend.web.test_router import client_of
from tests.tokens import AuthHeaders

GZIP = {"Accept-Encoding": "gzip"}
# Each path and the bytes of the file it serves.
FILES = [
    ("/", (STATIC_DIR / "index.html").read_bytes()),
    ("/static/app.css", (STATIC_DIR / "app.css").read_bytes()),
    ("/static/js/app.js", (STATIC_DIR / "js" / "app.js").read_bytes()),
]
STYLE = (STATIC_DIR / "app.css").read_bytes()


async def wire_bytes(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, bytes]:
    """The response and its body exactly as sent, before any decoding."""
    async with client.stream("GET", path, headers=GZIP) as response:
        return response, b"".join([chunk async for chunk in response.aiter_raw()])


@pytest.mark.parametrize(("path", "original"), FILES)
async def test_files_go_out_gzipped_with_a_validator_that_revalidates(
    settings: Settings, path: str, original: bytes
) -> None:
    async with client_of(settings) as client:
        response, sent = await wire_bytes(client, path)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(sent) == original
    assert len(sent) < len(original) / 2
    assert int(response.headers["content-length"]) == len(sent)
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"].startswith('W/"')
    assert response.headers["last-modified"]


@pytest.mark.parametrize(("path", "original"), FILES)
async def test_a_reload_gets_304_and_no_body(
    settings: Settings, path: str, original: bytes
) -> None:
    async with client_of(settings) as client:
        first = await client.get(path, headers=GZIP)
        etag = first.headers["etag"]
        by_etag = await client.get(path, headers={**GZIP, "If-None-Match": etag})
        listed = await client.get(path, headers={"If-None-Match": f'"other", {etag}'})
        by_date = await client.get(
            path, headers={"If-Modified-Since": first.headers["last-modified"]}
        )
        changed = await client.get(path, headers={"If-None-Match": 'W/"stale"'})
    for unchanged in (by_etag, listed, by_date):
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged.headers["etag"] == etag
        assert unchanged.headers["cache-control"] == "no-cache"
    assert changed.status_code == 200
    assert changed.content == original


async def test_a_client_without_gzip_gets_the_plain_file(settings: Settings) -> None:
    async with client_of(settings) as client:
        response = await client.get("/static/app.css", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.content == STYLE


async def test_the_page_keeps_its_policy_compressed_or_not_and_answers_only_get(
    settings: Settings,
) -> None:
    async with client_of(settings) as client:
        zipped = await client.get("/", headers=GZIP)
        head = await client.head("/")
        post = await client.post("/")
    assert zipped.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert zipped.headers["x-content-type-options"] == "nosniff"
    assert head.status_code == 200
    assert head.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"


async def test_event_streams_are_never_compressed(settings: Settings, auth: AuthHeaders) -> None:
    body = request_body("threads.add_client_tool_output", thread_id="1", result={})
    async with client_of(settings) as client:
        response = await client.post(
            "/chatkit",
            content=body,
            headers={**auth("alice"), **GZIP, "Content-Type": "application/json"},
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in response.headers
    assert "event: " in response.text or "data: " in response.text
