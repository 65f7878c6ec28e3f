"""Driving runs from outside: the app under uvicorn on the fake OpenAI server, and viewers
that read a stream as it arrives, each in a task of its own, so a test can watch several at
once, drop one, or stop the run while they read."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server
from tests.polling import eventually
from tests.providers import provider_settings
from tests.sse import SSE, SSEEvent, read_events
from tests.tokens import AuthHeaders

DEADLINE = 10.0


@dataclass
class Viewer:
    """One stream read in the background: its status and the events so far."""

    status: int | None = None
    events: list[SSEEvent] = field(default_factory=list)
    task: "asyncio.Task[None] | None" = None

    @property
    def names(self) -> list[str]:
        return [event.name for event in self.events]

    @property
    def ended(self) -> bool:
        return bool(self.events) and self.events[-1].name in {"done", "error"}

    @property
    def text(self) -> str:
        return "".join(e.data["text"] for e in self.events if e.name == "delta")

    async def until(self, count: int, name: str = "delta") -> None:
        """Until `count` events named `name` have arrived."""

        async def arrived() -> bool:
            return self.names.count(name) >= count or self.ended

        await eventually(arrived, DEADLINE, f"{count} {name} events")

    async def finished(self) -> None:
        assert self.task is not None
        async with asyncio.timeout(DEADLINE):
            await self.task

    async def leave(self) -> None:
        """Disconnect, as a closed tab does."""
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@dataclass
class RunsClient:
    """One server's API as the runs tests use it: chats and attaches read as viewers, stops,
    and what the conversation says."""

    http: httpx.AsyncClient
    auth: AuthHeaders

    def view(self, method: str, path: str, user: str = "alice", **request: Any) -> Viewer:
        viewer = Viewer()
        headers = {**self.auth(user), **SSE, **request.pop("headers", {})}

        async def read() -> None:
            async with self.http.stream(method, path, headers=headers, **request) as response:
                viewer.status = response.status_code
                async for event in read_events(response):
                    viewer.events.append(event)

        viewer.task = asyncio.create_task(read())
        return viewer

    def chat(self, message: str, conversation_id: int | None = None, user: str = "alice") -> Viewer:
        body = {"message": message, "conversation_id": conversation_id}
        return self.view("POST", f"/api/{user}/chat", user, json=body)

    def attach(
        self, conversation_id: int, last_event_id: str | None = None, user: str = "alice"
    ) -> Viewer:
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        path = f"/api/{user}/conversations/{conversation_id}/stream"
        return self.view("GET", path, user, headers=headers)

    async def get(
        self,
        path: str,
        user: str = "alice",
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> httpx.Response:
        headers = {**self.auth(user), **(headers or {})}
        return await self.http.get(f"/api/{user}{path}", headers=headers, params=params)

    async def stop(self, conversation_id: int, user: str = "alice") -> httpx.Response:
        path = f"/api/{user}/conversations/{conversation_id}/stop"
        return await self.http.post(path, headers=self.auth(user))

    async def messages(self, conversation_id: int, user: str = "alice") -> list[dict[str, Any]]:
        response = await self.get(f"/conversations/{conversation_id}/messages", user)
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    async def running(self, conversation_id: int, user: str = "alice") -> bool:
        response = await self.get(f"/conversations/{conversation_id}", user)
        assert response.status_code == 200, response.text
        running: bool = response.json()["running"]
        return running

    async def until_ended(self, conversation_id: int, user: str = "alice") -> None:
        async def ended() -> bool:
            return not await self.running(conversation_id, user)

        await eventually(ended, DEADLINE, f"conversation {conversation_id}'s run ended")


@dataclass
class Live(RunsClient):
    app: FastAPI
    provider: FakeConfig


@asynccontextmanager
async def live(
    settings: Settings, auth: AuthHeaders, provider: FakeConfig, **overrides: Any
) -> AsyncIterator[Live]:
    """The fake model server, the app under uvicorn using it, and a client on the app."""
    async with running_server(create_fake_openai_app(provider)) as model_url:
        configured = provider_settings(
            settings, "chat_completions", openai_base_url=model_url, **overrides
        )
        app = create_app(configured)
        async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield Live(http, auth, app, provider)


def slow_answer(**knobs: Any) -> FakeConfig:
    """A long answer at 20 chunks a second: far from done while a test acts on it."""
    return FakeConfig(**{"tokens_per_second": 20, "reply_words": 60, "chunk_size": 4, **knobs})
