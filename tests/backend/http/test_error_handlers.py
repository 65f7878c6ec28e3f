"""One error shape for everything (docs/api.md §5), including errors the framework raises itself."""

import httpx
import pytest

from tests.backend.support import assert_error, assert_no_leak
from tests.tokens import AuthHeaders


async def test_an_unknown_route_is_404_with_the_error_shape(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/alice/nothing-here"), 404, "not_found")


async def test_a_wrong_method_is_405_with_the_error_shape(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    response = await client.delete("/api/alice/tasks", headers=auth("alice"))
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


async def test_validation_errors_do_not_echo_the_input(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    title = "hunter2-password-" + "x" * 200
    response = await client.post("/api/alice/tasks", json={"title": title}, headers=auth("alice"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["detail"][0]["loc"] == ["body", "title"]
    assert "hunter2" not in response.text
    assert_no_leak(response)


async def test_405_allows_every_method_the_path_serves(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    response = await client.delete("/api/alice/tasks", headers=auth("alice"))
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD, POST"
    response = await client.post("/api/alice/tasks/1", headers=auth("alice"))
    assert response.headers["allow"] == "DELETE, GET, HEAD, PATCH, PUT"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"title": "x", "description": ' + b"[" * 3000 + b"]" * 3000 + b"}",
        b'{"title": ' + b"1" * 5000 + b"}",
        b'{"title": "x", "description": "y", "n": -' + b"9" * 4400 + b"}",
    ],
    ids=["nested-5000", "nested-3000-in-a-field", "integer-5000-digits", "negative-4400-digits"],
)
async def test_json_too_deep_or_numbers_too_long_are_the_documented_422(
    client: httpx.AsyncClient, auth: AuthHeaders, body: bytes
) -> None:
    headers = {**auth("alice"), "Content-Type": "application/json"}
    response = await client.post("/api/alice/tasks", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert_no_leak(response)
