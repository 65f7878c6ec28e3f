"""What the storms share: settings, an SSE client, the fake model's script, figures.

Every wait here has a bound, so a storm that goes wrong fails instead of hanging.
"""

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from backend.services import Services
from backend.settings import Settings
from tests.fakes.openai_frames import Call, Reply, Script, ToolCalls, Turn, last_item_is_tool_output
from tests.providers import ModelApi, provider_settings
from tests.sse import SSE, SSEEvent, read_events

FINAL_EVENTS = ("done", "error")


# --- the app and its settings ---------------------------------------------------------------


def services_of(app: FastAPI) -> Services:
    services: Services = app.state.services
    return services


def storm_settings(settings: Settings, base_url: str, api: ModelApi, **extra: Any) -> Settings:
    """`settings` pointed at the fake provider, with the per-user limits out of the way."""
    return provider_settings(
        settings,
        api,
        openai_base_url=base_url,
        chat_requests_per_minute=10_000,
        chat_max_streams_per_user=1000,
        rest_requests_per_minute=100_000,
        streams_per_user=10_000,
        log_level="WARNING",
        **extra,
    )


def client(base_url: str, *, keep_alive: bool = True) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50 if keep_alive else 0)
    return httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(30.0), limits=limits)


# --- the fake model's script ----------------------------------------------------------------


def last_user_text(request: Mapping[str, Any]) -> str:
    items = request.get("input", request.get("messages"))
    for item in reversed(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):  # [{"type": "input_text", "text": ...}]
                return " ".join(str(part.get("text", "")) for part in content)
    return ""


def add_task_script(reply: str | None = None) -> Script:
    """`add_task` titled with the user's message, then a reply (filler text when `None`)."""

    def script(request: Mapping[str, Any]) -> Turn:
        if last_item_is_tool_output(request):
            return Reply(reply)
        return ToolCalls([Call("add_task", {"title": last_user_text(request)})])

    return script


# --- an SSE client --------------------------------------------------------------------------


@dataclass
class Stream:
    """What one client saw of one chat request."""

    status: int
    events: list[SSEEvent] = field(default_factory=list)
    body: Any = None  # the JSON body of a non-200 answer
    left_after: int | None = None  # the client hung up after this many events

    @property
    def finals(self) -> list[SSEEvent]:
        return [e for e in self.events if e.name in FINAL_EVENTS]

    @property
    def outcome(self) -> str:
        """`done`, `error:<code>`, `http_<status>:<code>`, `left` or `no_final_event`."""
        if self.status != 200:
            code = self.body.get("code") if isinstance(self.body, dict) else None
            return f"http_{self.status}:{code}"
        if self.left_after is not None:
            return "left"
        if not self.events or self.events[-1].name not in FINAL_EVENTS:
            return "no_final_event"
        last = self.events[-1]
        return "done" if last.name == "done" else f"error:{last.data.get('code')}"

    def first(self, name: str) -> SSEEvent | None:
        return next((e for e in self.events if e.name == name), None)

    def all(self, name: str) -> list[SSEEvent]:
        return [e for e in self.events if e.name == name]


async def chat(
    http: httpx.AsyncClient,
    user: str,
    token: str,
    message: str,
    *,
    conversation_id: int | None = None,
    leave_after: int | None = None,
) -> Stream:
    """One chat turn over SSE; with `leave_after`, hang up after that many events."""
    headers = {**SSE, "Authorization": f"Bearer {token}"}
    body = {"message": message, "conversation_id": conversation_id}
    async with http.stream("POST", f"/api/{user}/chat", json=body, headers=headers) as response:
        if response.status_code != 200:
            await response.aread()
            return Stream(response.status_code, body=response.json())
        stream = Stream(200)
        async for event in read_events(response):
            stream.events.append(event)
            if leave_after is not None and len(stream.events) >= leave_after:
                stream.left_after = len(stream.events)
                break  # leaving the block closes the connection mid-stream
        return stream


# --- probes and figures ---------------------------------------------------------------------


def report(title: str, figures: Mapping[str, Any]) -> None:
    """The storm's figures on stdout (`pytest -s` shows them)."""
    lines = ["", f"== storm: {title} =="]
    lines += [f"   {name}: {value}" for name, value in figures.items()]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
