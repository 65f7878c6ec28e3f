"""One user's side of the chat API, and assertions on what a client sees of a turn: the
stream's shape, an answered turn, no provider text."""

from dataclasses import dataclass
from typing import Any, Literal

import httpx

from tests.sse import SSE, SSEEvent, names, of_kind, sse_events

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


def assert_stream_shape(events: list[SSEEvent], last: Literal["done", "error"]) -> None:
    """`conversation` first, exactly one terminal event last, ids "<run>.1", "<run>.2"…"""
    assert events, "no events"
    assert events[0].name == "conversation", names(events)
    assert events[-1].name == last, names(events)
    assert names(events).count("done") + names(events).count("error") == 1, names(events)
    runs, seqs = zip(*((event.id or "").partition(".")[::2] for event in events), strict=True)
    assert len(set(runs)) == 1, runs
    assert list(seqs) == [str(n) for n in range(1, len(events) + 1)]


def assert_no_provider_text(body: str) -> None:
    for leak in PROVIDER_LEAKS:
        assert leak.lower() not in body.lower(), (leak, body)


@dataclass
class Chat:
    """One user's side of the API, over any client (ASGI or a real socket)."""

    http: httpx.AsyncClient
    headers: dict[str, str]
    user: str = "alice"
    timezone: str | None = None
    """Sent with every message when set (the user's IANA zone, docs/api.md §18)."""

    def _body(self, message: str, conversation_id: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message, "conversation_id": conversation_id}
        return body if self.timezone is None else body | {"timezone": self.timezone}

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


def tool_call(call_id: str, name: str, arguments: dict[str, Any], output: Any) -> dict[str, Any]:
    """A tool call as the API reports it (`done`, JSON answer, stored message)."""
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
    assert done["status"] == "completed"
    assert done["conversation_id"] == events[0].data["conversation_id"]
    assert done["message_id"] == events[0].data["user_message_id"] + 1
    assert done["usage"]["input_tokens"] > 0
    assert done["usage"]["output_tokens"] > 0
    return done
