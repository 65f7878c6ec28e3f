"""Model selection (docs/api.md §3): the Responses API, Chat Completions, or the offline model."""

import httpx
import httpx2
from agents import Model, ModelSettings, OpenAIChatCompletionsModel, OpenAIResponsesModel
from openai import AsyncOpenAI, DefaultAsyncHttpxClient

from agent.models.offline import OfflineModel

OFFLINE = "offline"
# openai's own pool stops at 1,000 connections: a worker would stream at most 1,000 answers
# at once, and every further turn would wait (up to the timeout) for a free connection.
# Idle connections are dropped after 4 s, before the 5 s after which uvicorn-based servers
# (vLLM, the tests' fake) close them: with equal timeouts a request sometimes goes out on a
# connection the server is closing, and with retries off that is a failed turn.
PROVIDER_CONNECTIONS = httpx2.Limits(
    max_connections=10_000, max_keepalive_connections=100, keepalive_expiry=4.0
)


def build_model(
    model_name: str,
    *,
    api: str = "responses",
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float = 60.0,
    http_client: httpx.AsyncClient | None = None,
) -> Model:
    """Pass `http_client` to route provider calls through a specific httpx client (tests)."""
    if model_name == OFFLINE:
        return OfflineModel()
    client = AsyncOpenAI(
        # OpenAI-compatible servers (Ollama, vLLM) often need no key; the client needs a value.
        api_key=api_key or "unused",
        base_url=base_url,
        timeout=timeout,
        # A retried call could repeat a tool's side effect after output reached the user.
        max_retries=0,
        # openai 3 types this as an httpx2 client; a legacy httpx client works (respx patches it).
        http_client=http_client or DefaultAsyncHttpxClient(limits=PROVIDER_CONNECTIONS),  # type: ignore[arg-type]
    )
    if api == "chat_completions":
        return OpenAIChatCompletionsModel(model=model_name, openai_client=client)
    return OpenAIResponsesModel(model=model_name, openai_client=client)


async def close_model(model: Model) -> None:
    """Close the provider connections of a model from `build_model`: the SDK's `Model.close()`
    leaves the OpenAI client's connection pool open (sockets leak at every app shutdown)."""
    await model.close()
    client = getattr(model, "_client", None)
    if isinstance(client, AsyncOpenAI):
        await client.close()


def model_settings(api: str) -> ModelSettings:
    # Streamed usage is only sent by OpenAI-compatible servers that are asked for it.
    return ModelSettings(include_usage=True if api == "chat_completions" else None)
