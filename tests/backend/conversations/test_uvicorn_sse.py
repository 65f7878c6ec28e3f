"""SSE as a real client sees it: the app under uvicorn on a loopback port, the model on the
fake OpenAI-compatible streaming server, the stream read line by line as it arrives."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.conversations import sse
from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.conversations.chatting import Chat, assert_answered
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server
from tests.providers import APIS, ModelApi, provider_settings
from tests.rows import until_released
from tests.sse import SSE, SSEEvent, of_kind, read_events
from tests.tokens import AuthHeaders


@dataclass
class Live:
    config: FakeConfig
    chat: Chat


@asynccontextmanager
async def live(
    settings: Settings, auth: AuthHeaders, api: ModelApi, config: FakeConfig
) -> AsyncIterator[Live]:
    """The fake model server, the app under uvicorn using it, and alice's client on the app."""
    async with running_server(create_fake_openai_app(config)) as model_url:
        app = create_app(provider_settings(settings, api, openai_base_url=model_url))
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
            yield Live(config, Chat(http, auth("alice")))


@asynccontextmanager
async def opened_stream(chat: Chat, message: str) -> AsyncIterator[AsyncIterator[SSEEvent]]:
    """POST a chat turn and yield its events as they arrive; leaving early disconnects."""
    async with chat.http.stream(
        "POST",
        f"/api/{chat.user}/chat",
        json={"message": message},
        headers={**chat.headers, **SSE},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield read_events(response)


@pytest.mark.parametrize("api", APIS)
async def test_deltas_arrive_while_the_model_is_still_writing(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    config = FakeConfig(tokens_per_second=50, reply_words=24, chunk_size=4)
    async with live(settings, auth, api, config) as env:
        received: list[SSEEvent] = []
        provider_at_first_delta: dict[str, int] | None = None
        async with opened_stream(env.chat, "hi") as events:
            async for event in events:
                if event.name == "delta" and provider_at_first_delta is None:
                    provider_at_first_delta = config.stats()
                received.append(event)
        stored = await env.chat.messages(1)
    # The first delta was on the client while the provider's stream was still open: it had not
    # sent its final frame yet (the fake counts a stream completed just before that frame).
    assert provider_at_first_delta is not None
    assert provider_at_first_delta["completed_streams"] == 0
    assert provider_at_first_delta["active_streams"] == 1
    done = assert_answered(received, calls=[], response=received[-1].data["response"])
    assert len(of_kind(received, "delta")) > 10
    assert (config.completed_streams, config.cancelled_streams) == (1, 0)
    assert [(m["role"], m["content"]) for m in stored] == [
        ("user", "hi"),
        ("assistant", done["response"]),
    ]


@pytest.mark.parametrize("api", APIS)
async def test_a_client_that_leaves_does_not_stop_its_run(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    config = FakeConfig(tokens_per_second=40, reply_words=30, chunk_size=4)
    async with live(settings, auth, api, config) as env:
        async with opened_stream(env.chat, "hi") as events:
            seen = [event.name async for event in _until_first_delta(events)]
        assert seen == ["conversation", "delta"]
        await config.wait_for(lambda c: c.completed_streams == 1, within=10)
        await until_released(db_engine, "alice", 1)
        stored = await env.chat.messages(1)
    assert config.cancelled_streams == 0
    assert [(m["role"], m["status"]) for m in stored] == [
        ("user", None),
        ("assistant", "completed"),
    ]
    assert len(stored[1]["content"].split()) == 30  # the whole answer


@pytest.mark.parametrize("api", APIS)
async def test_with_cancel_on_disconnect_leaving_stops_the_run(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine, api: ModelApi
) -> None:
    # Four chunks a second of a long answer: the stream is far from done when the client leaves.
    config = FakeConfig(tokens_per_second=4, reply_words=80, chunk_size=4)
    cancelling = settings.model_copy(update={"chat_on_disconnect": "cancel"})
    async with live(cancelling, auth, api, config) as env:
        async with opened_stream(env.chat, "hi") as events:
            seen = [event async for event in _until_first_delta(events)]
        assert [event.name for event in seen] == ["conversation", "delta"]

        await config.wait_for(lambda c: c.cancelled_streams == 1 and c.active_streams == 0)
        await until_released(db_engine, "alice", 1)
        assert config.completed_streams == 0
        stopped = await env.chat.messages(1)
        assert [(m["role"], m["status"]) for m in stopped] == [
            ("user", None),
            ("assistant", "stopped"),
        ]
        assert stopped[1]["content"].startswith(seen[1].data["text"])

        config.tokens_per_second, config.reply_words = 0, 5
        body = await env.chat.answer("Are you there?", conversation_id=1)
    assert (body["conversation_id"], body["message_id"], body["status"]) == (1, 4, "completed")
    assert (config.requests, config.completed_streams) == (2, 1)


async def _until_first_delta(events: AsyncIterator[SSEEvent]) -> AsyncIterator[SSEEvent]:
    async for event in events:
        yield event
        if event.name == "delta":
            return


async def test_pings_keep_a_quiet_stream_alive_until_the_model_answers(
    settings: Settings, auth: AuthHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sse.PING_SECONDS < 15  # docs/api.md §8: at least every 15 s
    # The interval shrunk so that a model silent for half a second shows several.
    monkeypatch.setattr(sse, "PING_SECONDS", 0.05)
    config = FakeConfig(ttft_seconds=0.5, reply_words=3)
    async with live(settings, auth, "responses", config) as env:
        async with env.chat.http.stream(
            "POST", "/api/alice/chat", json={"message": "hi"}, headers={**env.chat.headers, **SSE}
        ) as response:
            lines = [line async for line in response.aiter_lines() if line]

    first_delta = lines.index("event: delta")
    pings = [i for i, line in enumerate(lines) if line.startswith(":")]
    assert len(pings) >= 3
    assert all(lines[i] == ": ping" for i in pings)
    assert pings[2] < first_delta
    assert lines[-2] == "event: done"
