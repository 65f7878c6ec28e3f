"""The composition root's public names (docs/api.md §2): the factory and `backend.main:app`."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from uvicorn.importer import import_from_string

import backend.main
from tests.apps import serving
from tests.tokens import TEST_SECRET


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database: str) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no `.env`
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("AUTH_SECRET", TEST_SECRET)
    monkeypatch.setenv("TODO_CHAT_DATA_DIR", str(tmp_path))
    yield
    vars(backend.main).pop("app", None)


@pytest.mark.usefixtures("environment")
async def test_the_named_asgi_app_is_built_on_first_use_and_serves() -> None:
    assert "app" not in vars(backend.main)  # importing the module built nothing

    app = import_from_string("backend.main:app")

    assert isinstance(app, FastAPI)
    assert import_from_string("backend.main:app") is app
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/readyz")).status_code == 200


def test_other_names_are_still_missing() -> None:
    with pytest.raises(AttributeError, match="no attribute 'application'"):
        _ = backend.main.application


async def test_a_trailing_slash_is_not_redirected_before_auth(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/alice/tasks/", headers={"Host": "evil.example"})
    assert response.status_code == 404
    assert "location" not in response.headers
    assert "evil.example" not in response.text
