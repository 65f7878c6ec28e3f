"""Helpers shared by the backend tests: an app built from custom settings (and a scripted
model), error assertions."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from agents import Model

from backend.main import create_app
from backend.settings import Settings
from tests.apps import asgi_client

# What must never reach a client, whatever went wrong (docs/api.md §5).
LEAKS = ("traceback", "sqlalchemy", "asyncpg", "psycopg", 'file "')


@asynccontextmanager
async def app_client(
    settings: Settings, model: Model | None = None, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a fresh app built from `settings` (`overrides` changed), with the lifespan
    run; a `model` (e.g. `agents.testing.ScriptedModel`) replaces the configured one."""
    app = create_app(settings.model_copy(update=overrides), model=model)
    async with asgi_client(app) as client:
        yield client


def assert_no_leak(response: httpx.Response) -> None:
    text = response.text
    assert "SELECT" not in text, text
    for leak in LEAKS:
        assert leak not in text.lower(), text


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The error shape of docs/api.md §5: JSON `{"detail", "code"}` and nothing internal."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"detail", "code"}, body
    assert body["code"] == code, body
    assert body["detail"], body
    assert_no_leak(response)
    return body


def assert_unauthorized(response: httpx.Response) -> None:
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


async def create_tasks(
    client: httpx.AsyncClient, headers: dict[str, str], user: str, *titles: str
) -> list[dict[str, Any]]:
    created = []
    for title in titles:
        response = await client.post(f"/api/{user}/tasks", json={"title": title}, headers=headers)
        assert response.status_code == 201, response.text
        created.append(response.json())
    return created
