"""The page's routes over ASGI: `/` with its Content-Security-Policy, the static files, and
`POST /dev/token`, which exists only in dev mode for a direct loopback client that knows the
sign-in code the server printed."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from backend.main import create_app
from backend.settings import Settings
from backend.web.dev_code import dev_sign_in_code
from backend.web.router import CONTENT_SECURITY_POLICY
from tests.apps import running
from tests.backend.support import assert_error

LOOPBACK = "http://127.0.0.1:8000"


def code_of(settings: Settings) -> str:
    return dev_sign_in_code(settings.model_copy(update={"auth_secret": None}))


@asynccontextmanager
async def client_of(
    settings: Settings, peer: str = "127.0.0.1", base_url: str = LOOPBACK, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=overrides))
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 50000))
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


async def test_the_page_is_served_with_a_strict_policy_and_no_inline_code(
    settings: Settings,
) -> None:
    async with client_of(settings) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    for directive in ("default-src 'self'", "script-src 'self'", "connect-src 'self'"):
        assert directive in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    page = response.text
    assert page.count("<script") == 1
    assert '<script type="module" src="/static/js/app.js"></script>' in page
    assert "style=" not in page
    assert "<style" not in page
    assert re.search(r"\son\w+\s*=", page) is None  # no onclick= and the like


async def test_the_scripts_and_styles_are_served_from_the_app(settings: Settings) -> None:
    async with client_of(settings) as client:
        script = await client.get("/static/js/app.js")
        style = await client.get("/static/app.css")
        missing = await client.get("/static/js/nothing.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")
    assert missing.status_code == 404


async def test_in_dev_mode_a_loopback_client_gets_a_token_the_api_accepts(
    settings: Settings,
) -> None:
    async with client_of(settings, auth_secret=None) as client:
        body = {"user_id": "bob", "code": code_of(settings)}
        response = await client.post("/dev/token", json=body)
        assert response.status_code == 200, response.text
        token = response.json()["token"]
        tasks = await client.get("/api/bob/tasks", headers={"Authorization": f"Bearer {token}"})
        others = await client.get("/api/alice/tasks", headers={"Authorization": f"Bearer {token}"})
    assert tasks.status_code == 200
    assert others.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": "a"},  # no code
        {"user_id": "", "code": "x"},
        {"user_id": "x" * 129, "code": "x"},
        {"user_id": "a", "code": ""},
        {"user_id": "a", "code": "x" * 65},
        {"user_id": "a", "code": "x", "extra": 1},
    ],
)
async def test_in_dev_mode_a_bad_name_is_422(settings: Settings, body: dict[str, Any]) -> None:
    async with client_of(settings, auth_secret=None) as client:
        response = await client.post("/dev/token", json=body)
    assert_error(response, 422, "validation_error")


async def test_with_a_configured_secret_there_is_no_dev_token(settings: Settings) -> None:
    async with client_of(settings) as client:
        named = await client.post("/dev/token", json={"user_id": "bob"})
        probe = await client.post("/dev/token", json={})  # 404 before the body is looked at
    assert_error(named, 404, "not_found")
    assert_error(probe, 404, "not_found")


@pytest.mark.parametrize(
    ("peer", "base_url", "headers"),
    [
        ("203.0.113.5", LOOPBACK, {}),  # another machine
        ("127.0.0.1", LOOPBACK, {"X-Forwarded-For": "203.0.113.5"}),  # through a local proxy
        ("127.0.0.1", LOOPBACK, {"Forwarded": "for=203.0.113.5"}),
        ("127.0.0.1", LOOPBACK, {"X-Real-IP": "203.0.113.5"}),  # nginx's habit
        ("127.0.0.1", LOOPBACK, {"X-Forwarded-Host": "todo.example.com"}),
        ("127.0.0.1", LOOPBACK, {"X-Forwarded-Proto": "https"}),
        ("127.0.0.1", LOOPBACK, {"Via": "1.1 proxy"}),
        ("127.0.0.1", LOOPBACK, {"True-Client-IP": "203.0.113.5"}),
        ("127.0.0.1", "http://rebound.example:8000", {}),  # a page on a rebound DNS name
    ],
)
async def test_in_dev_mode_only_a_direct_loopback_client_gets_a_token(
    settings: Settings, peer: str, base_url: str, headers: dict[str, str]
) -> None:
    async with client_of(settings, peer=peer, base_url=base_url, auth_secret=None) as client:
        body = {"user_id": "bob", "code": code_of(settings)}
        response = await client.post("/dev/token", json=body, headers=headers)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("base_url", ["http://localhost:8000", "http://[::1]:8000"])
async def test_every_loopback_name_is_a_loopback_host(settings: Settings, base_url: str) -> None:
    async with client_of(settings, peer="::1", base_url=base_url, auth_secret=None) as client:
        response = await client.post(
            "/dev/token", json={"user_id": "bob", "code": code_of(settings)}
        )
    assert response.status_code == 200


async def test_openapi_describes_the_dev_token_route_but_not_the_page(settings: Settings) -> None:
    async with client_of(settings) as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    assert set(paths["/dev/token"]["post"]["responses"]) >= {"200", "403", "404", "422"}
    assert "/" not in paths


async def test_the_code_is_needed_and_typed_loosely(settings: Settings) -> None:
    code = code_of(settings)
    async with client_of(settings, auth_secret=None) as client:
        wrong = await client.post("/dev/token", json={"user_id": "bob", "code": "AAAA-BBBB"})
        typed = code.lower().replace("-", " ")
        loose = await client.post("/dev/token", json={"user_id": "bob", "code": typed})
    assert_error(wrong, 403, "wrong_sign_in_code")
    assert "terminal" in wrong.json()["detail"]
    assert loose.status_code == 200
    assert len(code.replace("-", "")) == 16  # 80 bits: not guessed through a proxy
