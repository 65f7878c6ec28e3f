"""Operations endpoints (docs/api.md §10): liveness, readiness, and the OpenAPI description."""

import socket
from collections.abc import Iterator

import httpx
import pytest

from backend.settings import Settings
from tests.backend.support import app_client, assert_error
from tests.tokens import AuthHeaders

TASK_ROUTES = {
    ("/api/{user_id}/tasks", "get"),
    ("/api/{user_id}/tasks", "post"),
    ("/api/{user_id}/tasks/{task_id}", "get"),
    ("/api/{user_id}/tasks/{task_id}", "put"),
    ("/api/{user_id}/tasks/{task_id}", "patch"),
    ("/api/{user_id}/tasks/{task_id}", "delete"),
    ("/api/{user_id}/tasks/{task_id}/complete", "patch"),
}


@pytest.fixture
def closed_port_url() -> Iterator[str]:
    """A PostgreSQL URL whose port refuses connections (bound, never listening)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield f"postgresql://postgres@127.0.0.1:{closed.getsockname()[1]}/todo"


async def test_healthz_is_200_without_auth(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_readyz_is_503_when_the_database_is_unreachable(
    settings: Settings, closed_port_url: str
) -> None:
    down = settings.model_copy(update={"database_url": closed_port_url})
    async with app_client(down) as client:
        response = await client.get("/readyz")
        assert_error(response, 503, "database_unavailable")
        assert response.headers["retry-after"].isdigit()
        # The process itself is still alive.
        assert (await client.get("/healthz")).status_code == 200


async def test_task_routes_are_503_not_500_when_the_database_is_unreachable(
    settings: Settings, closed_port_url: str, auth: AuthHeaders
) -> None:
    down = settings.model_copy(update={"database_url": closed_port_url})
    async with app_client(down) as client:
        alice = auth("alice")
        for method, path, body in [
            ("GET", "/api/alice/tasks", None),
            ("POST", "/api/alice/tasks", {"title": "Buy milk"}),
            ("PATCH", "/api/alice/tasks/1/complete", None),
        ]:
            response = await client.request(method, path, json=body, headers=alice)
            assert_error(response, 503, "database_unavailable")
            assert "127.0.0.1" not in response.text


async def test_openapi_lists_every_task_route_with_its_errors(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    listed = {(path, method) for path, ops in paths.items() for method in ops}
    assert listed >= TASK_ROUTES
    for path, method in TASK_ROUTES:
        documented = set(paths[path][method]["responses"])
        expected = {"401", "403", "422"} | ({"404"} if "{task_id}" in path else set())
        assert documented >= expected, (method, path, documented)
        for status in expected:
            schema = paths[path][method]["responses"][status]["content"]["application/json"]
            assert "schema" in schema
    assert "413" in paths["/api/{user_id}/tasks"]["post"]["responses"]
    assert "201" in paths["/api/{user_id}/tasks"]["post"]["responses"]
    assert "204" in paths["/api/{user_id}/tasks/{task_id}"]["delete"]["responses"]
    assert {"/healthz", "/readyz"} <= set(paths)


async def test_every_validation_error_is_documented_with_its_real_body(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = [
        (method, path, operation)
        for path, ops in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in ops.items()
    ]
    assert len(operations) >= 13  # every route under /api/, new ones included
    for method, path, operation in operations:
        content = operation["responses"]["422"]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/UnprocessableBody"}, (
            method,
            path,
        )
    # FastAPI's default body, which has no `code`, is not offered anywhere.
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_openapi_declares_the_bearer_scheme(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert any(
        s.get("type") == "http" and s.get("scheme", "").lower() == "bearer"
        for s in schemes.values()
    )
    operation = document["paths"]["/api/{user_id}/tasks"]["get"]
    assert operation["security"]


async def test_docs_are_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
