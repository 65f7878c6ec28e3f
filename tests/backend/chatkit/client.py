"""A ChatKit client for tests: requests built from the package's own request types, and every
reply read back through its types (ThreadStreamEvent, Page[ThreadMetadata], Page[ThreadItem],
Thread), so whatever the server sends must parse as ChatKit's UI would read it."""

from dataclasses import dataclass
from typing import Any

import httpx
from chatkit.types import (
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ChatKitReq,
    ErrorEvent,
    InferenceOptions,
    Page,
    Thread,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageContent,
    UserMessageInput,
    UserMessageTagContent,
    UserMessageTextContent,
    WorkflowItem,
)
from pydantic import TypeAdapter

from tests.sse import sse_events

EVENT: TypeAdapter[ThreadStreamEvent] = TypeAdapter(ThreadStreamEvent)
REQUEST: TypeAdapter[ChatKitReq] = TypeAdapter(ChatKitReq)
THREADS = TypeAdapter(Page[ThreadMetadata])
ITEMS = TypeAdapter(Page[ThreadItem])


def message(text: str) -> dict[str, Any]:
    return composed(UserMessageTextContent(text=text))


def tag(text: str) -> UserMessageTagContent:
    """A tag as ChatKit's composer inserts one (an entity the person picked)."""
    return UserMessageTagContent(id=f"tag_{text}", text=text, data={}, interactive=False)


def composed(*parts: UserMessageContent) -> dict[str, Any]:
    """A message's `input` as the composer sends it: text parts and tags in order."""
    sent = UserMessageInput(
        content=list(parts), attachments=[], inference_options=InferenceOptions()
    )
    return sent.model_dump()


def request_body(kind: str, metadata: dict[str, Any] | None = None, **params: Any) -> bytes:
    """A request as ChatKit's client sends it, checked against the package's request types."""
    sent = {"type": kind, "params": params, "metadata": metadata or {}}
    return REQUEST.dump_json(REQUEST.validate_python(sent))


def parse_stream(response: httpx.Response) -> list[ThreadStreamEvent]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return [EVENT.validate_python(event.data) for event in sse_events(response.text)]


def kinds(events: list[ThreadStreamEvent]) -> list[str]:
    return [event.type for event in events]


def done_items(events: list[ThreadStreamEvent]) -> list[ThreadItem]:
    return [event.item for event in events if isinstance(event, ThreadItemDoneEvent)]


def streamed_text(events: list[ThreadStreamEvent]) -> str:
    """The assistant text as it streamed, delta by delta."""
    return "".join(
        event.update.delta
        for event in events
        if isinstance(event, ThreadItemUpdatedEvent)
        and isinstance(event.update, AssistantMessageContentPartTextDelta)
    )


def answer_text(events: list[ThreadStreamEvent]) -> str:
    return "".join(
        part.text
        for item in done_items(events)
        if isinstance(item, AssistantMessageItem)
        for part in item.content
    )


def task_titles(events_or_items: list[Any]) -> list[str | None]:
    """The titles of the workflow tasks among done items (or items)."""
    found = [item for item in events_or_items if isinstance(item, WorkflowItem)] or [
        item for item in done_items(events_or_items) if isinstance(item, WorkflowItem)
    ]
    return [getattr(task, "title", None) for item in found for task in item.workflow.tasks]


def errors(events: list[ThreadStreamEvent]) -> list[ErrorEvent]:
    return [event for event in events if isinstance(event, ErrorEvent)]


@dataclass
class ChatKit:
    """One user's ChatKit client on an app."""

    http: httpx.AsyncClient
    headers: dict[str, str]

    async def post(
        self, kind: str, *, metadata: dict[str, Any] | None = None, **params: Any
    ) -> httpx.Response:
        return await self.http.post(
            "/chatkit",
            content=request_body(kind, metadata, **params),
            headers={**self.headers, "Content-Type": "application/json"},
        )

    async def stream(self, kind: str, **params: Any) -> list[ThreadStreamEvent]:
        return parse_stream(await self.post(kind, **params))

    async def create(self, text: str) -> list[ThreadStreamEvent]:
        return await self.stream("threads.create", input=message(text))

    async def send(self, thread_id: str, text: str) -> list[ThreadStreamEvent]:
        return await self.stream(
            "threads.add_user_message", thread_id=thread_id, input=message(text)
        )

    async def json(self, kind: str, **params: Any) -> Any:
        response = await self.post(kind, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        return response.json()

    async def threads(self, **params: Any) -> Page[ThreadMetadata]:
        return THREADS.validate_python(await self.json("threads.list", **params))

    async def thread(self, thread_id: str) -> Thread:
        return Thread.model_validate(await self.json("threads.get_by_id", thread_id=thread_id))

    async def items(self, thread_id: str, **params: Any) -> Page[ThreadItem]:
        return ITEMS.validate_python(await self.json("items.list", thread_id=thread_id, **params))
