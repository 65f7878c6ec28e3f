"""An app on a scripted model provider (respx on the real OpenAI client), and what the app
sent to the provider, read the same way for both OpenAI APIs."""

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import respx
from fastapi import FastAPI
from pydantic import SecretStr

from backend.main import create_app
from backend.settings import Settings
from tests.apps import asgi_client
from tests.fakes.openai_frames import Script, respx_side_effect

RESPX_BASE = "http://fake-openai.test/v1"
ModelApi = Literal["responses", "chat_completions"]
APIS: list[ModelApi] = ["responses", "chat_completions"]
PROVIDER_PATHS: dict[ModelApi, str] = {
    "responses": "/responses",
    "chat_completions": "/chat/completions",
}


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
    app: FastAPI | None = None

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
                yield Provider(client, route, app)


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


def reported_usage(provider: Provider) -> dict[str, int]:
    """What the provider's answers reported, summed over every call the app made (both APIs'
    field names, as the stored usage names them)."""
    total = {"requests": 0, "input_tokens": 0, "output_tokens": 0, "cached_tokens": 0,
             "reasoning_tokens": 0}  # fmt: skip
    for call in provider.route.calls:
        response = call.response
        sent = response.extensions.get("streamed") or response.content
        usage = _last_usage(sent.decode())
        total["requests"] += 1
        total["input_tokens"] += usage.get("input_tokens", usage.get("prompt_tokens", 0))
        total["output_tokens"] += usage.get("output_tokens", usage.get("completion_tokens", 0))
        details_in = usage.get("input_tokens_details") or usage["prompt_tokens_details"]
        details_out = usage.get("output_tokens_details") or usage["completion_tokens_details"]
        total["cached_tokens"] += details_in["cached_tokens"]
        total["reasoning_tokens"] += details_out["reasoning_tokens"]
    return total


def _last_usage(stream: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for line in stream.splitlines():
        line = line.removeprefix("data: ")
        if not line.startswith("{"):
            continue
        data = json.loads(line)
        usage = data.get("usage") or (data.get("response") or {}).get("usage")
        if usage:
            found = usage
    return found
