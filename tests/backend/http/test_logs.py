"""Observability from outside: every response carries X-Request-ID, and the logs are JSON
lines that tie each record to its request (and to the user and conversation of a chat turn)
without ever holding the bearer token, the secret, or what the person wrote."""

import asyncio
import io
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from agents.testing import ScriptedModel, assistant_message, function_call

from backend.http.logs import JsonFormatter
from backend.settings import Settings
from tests.backend.chat_support import Gate, with_raw_header
from tests.backend.support import app_client
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server
from tests.providers import provider_settings
from tests.sse import SSE, of_kind, sse_events
from tests.tokens import TEST_SECRET, AuthHeaders

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything logged at INFO and above while the test runs, formatted as the app does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line must be one JSON object with the fields the formatter promises."""
    lines = stream.getvalue().splitlines()
    parsed = [json.loads(line) for line in lines]
    for record in parsed:
        assert {"time", "level", "logger", "message", "request_id"} <= set(record), record
    return parsed


@pytest.fixture
async def failing_provider() -> AsyncIterator[str]:
    """An OpenAI-compatible server that answers every call with a 500 and its own text."""
    config = FakeConfig(rate_500=1.0)
    async with running_server(create_fake_openai_app(config)) as base_url:
        yield base_url


# --- X-Request-ID ------------------------------------------------------------------------------


async def test_every_kind_of_response_carries_a_request_id(
    settings: Settings, auth: AuthHeaders
) -> None:
    gate = Gate()
    model = ScriptedModel(
        [
            [assistant_message("Hello!")],  # SSE
            RuntimeError("a bug in the model adapter"),  # JSON → 500
            gate.step("Finally."),  # holds the conversation for the 409
        ]
    )
    alice = auth("alice")
    async with app_client(settings, model, chat_max_streams_per_user=1) as client:
        sse = await client.post("/api/alice/chat", json={"message": "Hi"}, headers={**alice, **SSE})
        crashed = await client.post("/api/alice/chat", json={"message": "Hi"}, headers=alice)
        held = asyncio.create_task(
            client.post("/api/alice/chat", json={"message": "Hold on"}, headers=alice)
        )
        await gate.wait_entered()
        too_many = await client.post("/api/alice/chat", json={"message": "Hi"}, headers=alice)
        gate.opened.set()
        await held
        responses = {
            "sse": sse,
            "500": crashed,
            "429": too_many,
            "200": await client.get("/api/alice/tasks", headers=alice),
            "healthz": await client.get("/healthz"),
            "401": await client.get("/api/alice/tasks"),
            "403": await client.get("/api/bob/tasks", headers=alice),
            "404-task": await client.get("/api/alice/tasks/7", headers=alice),
            "404-route": await client.get("/no/such/route"),
            "405": await client.put("/api/alice/tasks", headers=alice),
            "422": await client.post("/api/alice/tasks", json={"title": ""}, headers=alice),
            "413": await client.post(
                "/api/alice/chat", content=b"x" * (settings.max_body_bytes + 1), headers=alice
            ),
        }
    statuses = {name: response.status_code for name, response in responses.items()}
    assert statuses == {
        "sse": 200,
        "500": 500,
        "429": 429,
        "200": 200,
        "healthz": 200,
        "401": 401,
        "403": 403,
        "404-task": 404,
        "404-route": 404,
        "405": 405,
        "422": 422,
        "413": 413,
    }
    assert responses["sse"].headers["content-type"].startswith("text/event-stream")
    # The turn had started: the 500 says where the stored message is.
    assert responses["500"].json() == {
        "detail": "Something went wrong on our side; please retry.",
        "code": "internal_error",
        "conversation_id": 2,
        "user_message_id": 1,
    }
    ids = {name: response.headers.get("x-request-id") for name, response in responses.items()}
    for name, request_id in ids.items():
        assert request_id is not None, name
        assert GENERATED.match(request_id), (name, request_id)
    assert len(set(ids.values())) == len(ids)


@pytest.mark.parametrize(
    "offered",
    ["abc-123", "req_01HZX.retry:2", "0" * 128, "7d3f6b0e-2c1a-4f5e-9b8d-3a6c1e2f4b5d"],
)
async def test_a_well_formed_client_request_id_is_echoed(
    client: httpx.AsyncClient, auth: AuthHeaders, offered: str
) -> None:
    headers = {**auth("alice"), "X-Request-ID": offered}
    for response in (
        await client.get("/api/alice/tasks", headers=headers),
        await client.get("/api/alice/tasks/9", headers=headers),
        await client.get("/api/alice/tasks", headers={"X-Request-ID": offered}),
    ):
        assert response.headers["x-request-id"] == offered


@pytest.mark.parametrize(
    "offered",
    [
        pytest.param("has space", id="space"),
        pytest.param("0" * 129, id="too-long"),
        pytest.param("a\tb", id="tab"),
        pytest.param("id;drop", id="semicolon"),
        pytest.param("<script>", id="markup"),
        pytest.param("é".encode(), id="non-ascii"),
    ],
)
async def test_a_malformed_client_request_id_is_replaced(
    client: httpx.AsyncClient, auth: AuthHeaders, offered: str | bytes
) -> None:
    headers = with_raw_header(auth("alice"), "X-Request-ID", offered)
    response = await client.get("/api/alice/tasks", headers=headers)
    assert response.status_code == 200
    assert GENERATED.match(response.headers["x-request-id"]), response.headers["x-request-id"]
    assert response.headers.get_list("x-request-id") == [response.headers["x-request-id"]]


# --- logs --------------------------------------------------------------------------------------


async def test_a_chat_turn_is_logged_with_its_request_user_and_conversation(
    settings: Settings, auth: AuthHeaders, log_lines: io.StringIO
) -> None:
    marker = f"secret-marker-{uuid.uuid4().hex}"
    model = ScriptedModel(
        [
            [function_call("add_task", {"title": marker}, call_id="c1")],
            [assistant_message(f"Added {marker}.")],
        ]
    )
    token_headers = auth("alice")
    headers = {**token_headers, **SSE, "X-Request-ID": "turn-1"}
    async with app_client(settings, model) as client:
        response = await client.post(
            "/api/alice/chat", json={"message": f"Add {marker}"}, headers=headers
        )
    assert response.status_code == 200
    conversation_id = of_kind(sse_events(response.text), "conversation")[-1]["conversation_id"]
    turn_records = [r for r in records(log_lines) if r["request_id"] == "turn-1"]
    assert turn_records, log_lines.getvalue()
    about_the_turn = [r for r in turn_records if "conversation_id" in r]
    assert about_the_turn, turn_records
    for record in about_the_turn:
        assert record["user_id"] == "alice"
        assert record["conversation_id"] == conversation_id
    assert_nothing_secret(log_lines.getvalue(), marker, token_headers)


async def test_a_failing_provider_is_logged_without_secrets_or_the_message(
    settings: Settings,
    auth: AuthHeaders,
    log_lines: io.StringIO,
    failing_provider: str,
) -> None:
    marker = f"secret-marker-{uuid.uuid4().hex}"
    token_headers = auth("alice")
    failing = provider_settings(settings, "chat_completions", openai_base_url=failing_provider)
    async with app_client(failing) as client:
        streamed = await client.post(
            "/api/alice/chat",
            json={"message": f"Remember {marker}"},
            headers={**token_headers, **SSE, "X-Request-ID": "failing-sse"},
        )
        as_json = await client.post(
            "/api/alice/chat",
            json={"message": f"Remember {marker} again"},
            headers={**token_headers, "X-Request-ID": "failing-json"},
        )
    assert streamed.status_code == 200
    last = sse_events(streamed.text)[-1]
    assert (last.name, last.data["code"]) == ("error", "model_unavailable")
    assert as_json.status_code == 502
    assert as_json.json()["code"] == "model_unavailable"
    assert as_json.headers["x-request-id"] == "failing-json"
    logged = records(log_lines)
    for request_id in ("failing-sse", "failing-json"):
        failures = [r for r in logged if r["request_id"] == request_id and r["level"] == "WARNING"]
        assert failures, (request_id, log_lines.getvalue())
        assert all(r["user_id"] == "alice" and "conversation_id" in r for r in failures)
    assert_nothing_secret(log_lines.getvalue(), marker, token_headers)
    # Nor the provider's own error text, nor each provider call (httpx/httpx2 at INFO).
    assert "The server had an error" not in log_lines.getvalue()
    assert [r for r in logged if r["logger"].startswith("httpx")] == []


async def test_an_unhandled_error_is_logged_with_its_request_id(
    settings: Settings, auth: AuthHeaders, log_lines: io.StringIO
) -> None:
    marker = f"secret-marker-{uuid.uuid4().hex}"
    model = ScriptedModel([RuntimeError("a bug in the model adapter")])
    token_headers = auth("alice")
    async with app_client(settings, model) as client:
        response = await client.post(
            "/api/alice/chat",
            json={"message": f"Hello {marker}"},
            headers={**token_headers, "X-Request-ID": "crash-1"},
        )
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "crash-1"
    errors = [r for r in records(log_lines) if r["level"] == "ERROR"]
    assert errors, log_lines.getvalue()
    assert all(r["request_id"] == "crash-1" for r in errors), errors
    assert all(r.get("user_id") == "alice" for r in errors), errors
    assert_nothing_secret(log_lines.getvalue(), marker, token_headers)


def assert_nothing_secret(logs: str, marker: str, token_headers: dict[str, str]) -> None:
    token = token_headers["Authorization"].removeprefix("Bearer ")
    assert marker not in logs
    assert token not in logs
    assert token.split(".")[2] not in logs  # not even the signature
    assert TEST_SECRET not in logs
