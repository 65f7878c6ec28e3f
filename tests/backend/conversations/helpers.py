"""Shared by the conversation tests: stream assertions, chat calls, apps on a scripted
provider, and what the app sent to the provider, read the same way for both APIs."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import respx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.main import create_app
from backend.settings import Settings
from tests.apps import asgi_client
from tests.fakes.openai_frames import Script, respx_side_effect
from tests.sse import SSE, SSEEvent, names, of_kind, sse_events

RESPX_BASE = "http://fake-openai.test/v1"
ModelApi = Literal["responses", "chat_completions"]
APIS: list[ModelApi] = ["responses", "chat_completions"]
PROVIDER_PATHS: dict[ModelApi, str] = {
    "responses": "/responses",
    "chat_completions": "/chat/completions",
}

# Provider text that must never reach a client (tests/fakes/openai_frames.py's error bodies).
PROVIDER_LEAKS = (
    "rate_limit_exceeded",
    "Rate limit reached",
    "org-fake",
    "platform.openai.com",
    "The server had an error",
    "invalid_request_error",
    "server_error",
    "incomplete chunked read",
    "peer closed connection",
    "Traceback",
)


# ---- a whole stream -------------------------------------------------------------------------


def assert_stream_shape(events: list[SSEEvent], last: Literal["done", "error"]) -> None:
    """`conversation` first, exactly one terminal event last, ids 1, 2, 3…"""
    assert events, "no events"
    assert events[0].name == "conversation", names(events)
    assert events[-1].name == last, names(events)
    assert names(events).count("done") + names(events).count("error") == 1, names(events)
    assert [int(event.id or 0) for event in events] == list(range(1, len(events) + 1))


def assert_no_provider_text(body: str) -> None:
    for leak in PROVIDER_LEAKS:
        assert leak.lower() not in body.lower(), (leak, body)


# ---- chat calls -----------------------------------------------------------------------------


@dataclass
class Chat:
    """One user's side of the API, over any client (ASGI or a real socket)."""

    http: httpx.AsyncClient
    headers: dict[str, str]
    user: str = "alice"

    def _body(self, message: str, conversation_id: int | None) -> dict[str, Any]:
        return {"message": message, "conversation_id": conversation_id}

    async def stream(self, message: str, conversation_id: int | None = None) -> list[SSEEvent]:
        """One turn over SSE; the response must be a 200 event stream."""
        response = await self.http.post(
            f"/api/{self.user}/chat",
            json=self._body(message, conversation_id),
            headers={**self.headers, **SSE},
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        return sse_events(response.text)

    async def send(self, message: str, conversation_id: int | None = None) -> httpx.Response:
        """One turn in JSON mode (no Accept header)."""
        return await self.http.post(
            f"/api/{self.user}/chat",
            json=self._body(message, conversation_id),
            headers=self.headers,
        )

    async def answer(self, message: str, conversation_id: int | None = None) -> dict[str, Any]:
        response = await self.send(message, conversation_id)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def messages(self, conversation_id: int, **params: int) -> list[dict[str, Any]]:
        response = await self.http.get(
            f"/api/{self.user}/conversations/{conversation_id}/messages",
            params=params,
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages


# ---- database -------------------------------------------------------------------------------


async def task_rows(engine: AsyncEngine, user: str) -> list[tuple[int, str, str | None, bool]]:
    """A user's task rows straight from the table: (number, title, description, completed)."""
    statement = text(
        "SELECT number, title, description, completed FROM tasks "
        "WHERE user_id = :user ORDER BY number"
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(statement, {"user": user})).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def message_rows(engine: AsyncEngine, user: str) -> list[tuple[int, int, str, str]]:
    """Every stored message of a user: (conversation, message number, role, content)."""
    statement = text(
        "SELECT c.number, m.number, m.role, m.content FROM messages m "
        "JOIN conversations c ON c.pk = m.conversation_pk "
        "WHERE c.user_id = :user ORDER BY c.number, m.number"
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(statement, {"user": user})).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def is_claimed(engine: AsyncEngine, user: str, conversation: int) -> bool:
    """Whether a turn still holds the conversation (it would answer 409 to a new message)."""
    statement = text(
        "SELECT active_run_id IS NOT NULL FROM conversations WHERE user_id = :user AND number = :n"
    )
    async with engine.connect() as connection:
        claimed = await connection.scalar(statement, {"user": user, "n": conversation})
    return bool(claimed)


async def until_released(engine: AsyncEngine, user: str, conversation: int) -> None:
    """Poll until the conversation's turn has settled (after a disconnect it ends on its own)."""
    async with asyncio.timeout(5):  # guards a hang
        while True:
            if not await is_claimed(engine, user, conversation):
                return
            await asyncio.sleep(0.01)


# ---- apps -----------------------------------------------------------------------------------


def provider_settings(settings: Settings, api: ModelApi, **overrides: Any) -> Settings:
    """Settings for an OpenAI-compatible provider at `RESPX_BASE` (or `openai_base_url=`)."""
    update: dict[str, Any] = {
        "openai_base_url": RESPX_BASE,
        "openai_api_key": SecretStr("sk-test"),
        "chat_model": "gpt-test",
        "chat_model_api": api,
        **overrides,
    }
    return settings.model_copy(update=update)


@dataclass
class Provider:
    """An app whose model provider is respx-mocked; `route.calls` holds what the app sent."""

    client: httpx.AsyncClient
    route: respx.Route

    def sent(self, index: int) -> dict[str, Any]:
        """The JSON body of the app's `index`-th request to the provider."""
        body: dict[str, Any] = json.loads(self.route.calls[index].request.content)
        return body


@asynccontextmanager
async def provider_app(
    settings: Settings,
    api: ModelApi,
    *,
    script: Script | None = None,
    response: httpx.Response | None = None,
    side_effect: Callable[[httpx.Request], httpx.Response] | None = None,
    chunk_size: int = 3,
    cut_after: int | None = None,
    **overrides: Any,
) -> AsyncIterator[Provider]:
    """The real app and OpenAI client, the provider's HTTP API answered by respx.

    Give a `script` (turns, served as the real API's streamed frames), a fixed `response`
    or a raw `side_effect`.
    """
    if script is not None:
        side_effect = respx_side_effect(script, chunk_size=chunk_size, cut_after=cut_after)
    with respx.mock(base_url=RESPX_BASE, assert_all_called=False) as router:
        route = router.post(PROVIDER_PATHS[api])
        if side_effect is not None:
            route.mock(side_effect=side_effect)
        else:
            route.mock(return_value=response)
        async with httpx.AsyncClient() as openai_http:
            app = create_app(
                provider_settings(settings, api, **overrides), openai_http_client=openai_http
            )
            async with asgi_client(app) as client:
                yield Provider(client, route)


@asynccontextmanager
async def serving(app: FastAPI, port: int = 0) -> AsyncIterator[str]:
    """Serve `app` with a real uvicorn (lifespan on) on a loopback port (a free one unless
    given), in this event loop; yields the base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", ws="none", log_level="warning",
        timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):  # guards a hang; startup takes well under a second
        while not server.started:
            if task.done():
                await task  # raises the startup error
                raise RuntimeError("uvicorn exited during startup")
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


# ---- assertions on a whole answered turn ----------------------------------------------------


def tool_call(call_id: str, name: str, arguments: dict[str, Any], output: Any) -> dict[str, Any]:
    """A tool call as the contract reports it (`done`, JSON answer, stored message)."""
    is_error = isinstance(output, str)
    return {
        "id": call_id,
        "name": name,
        "arguments": arguments,
        "output": output,
        "is_error": is_error,
    }


def assert_answered(
    events: list[SSEEvent], *, calls: list[dict[str, Any]], response: str
) -> dict[str, Any]:
    """A successful turn on the wire: the events agree with each other and with `done`."""
    assert_stream_shape(events, "done")
    done: dict[str, Any] = events[-1].data
    deltas = [delta["text"] for delta in of_kind(events, "delta")]
    assert "".join(deltas) == done["response"] == response
    assert of_kind(events, "tool_call") == [
        {key: call[key] for key in ("id", "name", "arguments")} for call in calls
    ]
    assert of_kind(events, "tool_result") == [
        {key: call[key] for key in ("id", "name", "output", "is_error")} for call in calls
    ]
    assert done["tool_calls"] == calls
    assert done["conversation_id"] == events[0].data["conversation_id"]
    assert done["message_id"] == events[0].data["user_message_id"] + 1
    assert done["usage"]["input_tokens"] > 0
    assert done["usage"]["output_tokens"] > 0
    return done


# ---- what the app sent to the provider, read the same way for both APIs ---------------------


def tools_sent(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The tool schemas of one provider request: name -> JSON schema of its parameters."""
    tools: list[dict[str, Any]] = body["tools"]
    if "messages" in body:  # Chat Completions nests them under "function"
        assert {tool["type"] for tool in tools} == {"function"}
        tools = [tool["function"] for tool in tools]
    return {tool["name"]: tool["parameters"] for tool in tools}


def dialogue(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A provider request's conversation, API-neutral and without the instructions:
    ("user"|"assistant", text), ("call", id, name, arguments), ("output", id, result)."""
    if "messages" in body:
        return [turn for message in body["messages"] for turn in _chat_message(message)]
    return [_responses_item(item) for item in body["input"]]


def _responses_item(item: dict[str, Any]) -> tuple[Any, ...]:
    if item.get("type") == "function_call":
        return ("call", item["call_id"], item["name"], json.loads(item["arguments"]))
    if item.get("type") == "function_call_output":
        return ("output", item["call_id"], _result(item["output"]))
    return (item["role"], _text(item["content"]))


def _chat_message(message: dict[str, Any]) -> list[tuple[Any, ...]]:
    role = message["role"]
    if role == "tool":
        return [("output", message["tool_call_id"], _result(message["content"]))]
    if role == "system":
        return []
    turns: list[tuple[Any, ...]] = [(role, _text(message["content"]))] if message["content"] else []
    for call in message.get("tool_calls") or []:
        function = call["function"]
        turns.append(("call", call["id"], function["name"], json.loads(function["arguments"])))
    return turns


def _result(output: Any) -> Any:
    """A tool result as JSON; an error arrives as text (or as a list of text parts)."""
    if isinstance(output, list):
        return _text(output)
    try:
        return json.loads(output)
    except ValueError:
        return output


def _text(content: Any) -> str:
    return content if isinstance(content, str) else "".join(part["text"] for part in content)
