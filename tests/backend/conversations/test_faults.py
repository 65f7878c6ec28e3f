"""When the model provider fails, the person gets a clear error, their message stays stored,
what was written before the failure is kept as a "failed" answer that says why (a reload
still shows it), and the conversation takes the next message."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.conversations.chatting import Chat, assert_no_provider_text, assert_stream_shape
from tests.fakes.openai_frames import (
    Call,
    Reply,
    ToolCalls,
    respx_error_response,
    respx_side_effect,
)
from tests.providers import APIS, ModelApi, provider_app
from tests.rows import message_rows
from tests.sse import SSE, names, sse_events
from tests.tokens import AuthHeaders

Handler = Callable[[httpx.Request], httpx.Response]
HEALTHY = "Your list is fine."
ASK = "What's on my list?"


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out reading from fake-openai.test", request=request)


def _always_listing(body: Any) -> ToolCalls:
    return ToolCalls([Call("list_tasks", {})])


@dataclass(frozen=True)
class Fault:
    name: str
    provider: Handler
    status: int
    code: str


FAULTS = [
    Fault("rate_limited", lambda r: respx_error_response(429), 503, "model_rate_limited"),
    Fault("server_error", lambda r: respx_error_response(500), 502, "model_unavailable"),
    Fault("bad_request", lambda r: respx_error_response(400), 502, "model_rejected"),
    Fault("timeout", _timeout, 504, "model_timeout"),
    Fault(
        "stream_cut",
        respx_side_effect(lambda body: Reply("A long answer " * 8), chunk_size=3, cut_after=8),
        502,
        "model_unavailable",
    ),
    Fault("tool_loop", respx_side_effect(_always_listing), 502, "model_turn_limit"),
]


HEALTHY_PROVIDER = respx_side_effect(lambda body: Reply(HEALTHY))

# Every test runs for each fault on each API.
pytestmark = [
    pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS]),
    pytest.mark.parametrize("api", APIS),
]


@dataclass
class Switch:
    """The provider: broken until the test switches it back on."""

    broken: Handler
    failing: bool = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return (self.broken if self.failing else HEALTHY_PROVIDER)(request)


async def assert_recovers(chat: Chat, engine: AsyncEngine, failed: str) -> None:
    """The user's message and the failed answer (what was written, marked failed, with the
    stream's error) were stored, and the next message works."""
    rows = await message_rows(engine, "alice")
    assert [row[:3] for row in rows] == [(1, 1, "user"), (1, 2, "assistant")]
    assert rows[0][3] == ASK
    messages = await chat.messages(1)
    assert messages[-1]["status"] == "failed"
    assert messages[-1]["error"]["detail"]
    for message in messages:
        assert_no_provider_text(str(message))
    body = await chat.answer("Try again", conversation_id=1)
    assert (body["conversation_id"], body["message_id"], body["response"]) == (1, 4, HEALTHY)
    assert (await message_rows(engine, "alice"))[2:] == [
        (1, 3, "user", "Try again"),
        (1, 4, "assistant", HEALTHY),
    ], failed


@asynccontextmanager
async def failing_then_healed(
    settings: Settings, auth: AuthHeaders, engine: AsyncEngine, api: ModelApi, fault: Fault
) -> AsyncIterator[Chat]:
    """Alice's chat on an app whose provider fails with `fault`; after the test's failed turn
    the provider is healed and the conversation must recover (`assert_recovers`)."""
    switch = Switch(fault.provider)
    async with provider_app(
        settings, api, side_effect=switch, chat_max_turns=3, chat_model_timeout=0.5
    ) as provider:
        chat = Chat(provider.client, auth("alice"))
        yield chat
        switch.failing = False
        await assert_recovers(chat, engine, fault.name)


async def test_json_answer_is_an_error_status_with_code(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi, fault: Fault
) -> None:
    async with failing_then_healed(settings, auth, db_engine, api, fault) as chat:
        response = await chat.send(ASK)
        assert response.status_code == fault.status, response.text
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert set(body) == {"detail", "code", "conversation_id", "user_message_id"}
        assert (body["code"], body["conversation_id"], body["user_message_id"]) == (
            fault.code,
            1,
            1,
        )
        assert body["detail"].endswith(".")
        assert_no_provider_text(response.text)


async def test_stream_ends_with_an_error_event(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi, fault: Fault
) -> None:
    async with failing_then_healed(settings, auth, db_engine, api, fault) as chat:
        response = await chat.http.post(
            "/api/alice/chat", json={"message": ASK}, headers={**chat.headers, **SSE}
        )
        assert response.status_code == 200
        events = sse_events(response.text)
        assert_stream_shape(events, "error")
        assert events[0].data == {"conversation_id": 1, "user_message_id": 1}
        error = events[-1].data
        assert set(error) == {"code", "detail"}
        assert error["code"] == fault.code
        assert error["detail"].endswith(".")
        assert "done" not in names(events)
        assert_no_provider_text(response.text)
        if fault.name == "stream_cut":
            assert "delta" in names(events)  # part of the answer was shown, then withdrawn
        if fault.name == "tool_loop":
            assert names(events)[1:-1] == ["tool_call", "tool_result"] * 3
