"""Choosing SSE or JSON from `Accept` (docs/api.md §8: JSON by default, SSE when asked for)."""

import pytest

from backend.conversations.sse import wants_event_stream
from tests.backend.conversations.chatting import Chat

EVENT_STREAM = [
    "text/event-stream",
    "TEXT/EVENT-STREAM",
    "application/json;q=0.5, text/event-stream",
    "text/event-stream; charset=utf-8, */*;q=0.1",
]
JSON = [
    None,
    "",
    "*/*",
    "application/json",
    "application/json, text/event-stream",
    "text/event-stream, application/json",
    "text/event-stream;q=0",
    "text/event-stream;q=0.4, application/json;q=0.9",
    "text/event-stream;q=oops",
    "text/*",
]


@pytest.mark.parametrize("accept", EVENT_STREAM)
def test_an_accept_that_prefers_the_event_stream_gets_sse(accept: str) -> None:
    assert wants_event_stream(accept)


@pytest.mark.parametrize("accept", JSON)
def test_anything_else_gets_the_json_default(accept: str | None) -> None:
    assert not wants_event_stream(accept)


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/json, text/event-stream", "application/json"),
        ("text/event-stream;q=0, application/json", "application/json"),
        ("application/json;q=0.5, text/event-stream", "text/event-stream; charset=utf-8"),
    ],
)
async def test_the_chat_route_answers_in_the_negotiated_form(
    alice: Chat, accept: str, content_type: str
) -> None:
    response = await alice.http.post(
        "/api/alice/chat", json={"message": "hi"}, headers={**alice.headers, "Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
