"""The tests' one SSE parser, for a whole body or a stream read as it arrives.

It follows the WHATWG event-stream rules a browser's EventSource applies: lines end in CR, LF
or CRLF, `:` lines are comments (the `: ping` keep-alives), `data:` lines accumulate, and a
blank line dispatches the event.
"""

import json
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

SSE = {"Accept": "text/event-stream"}


@dataclass(frozen=True)
class SSEEvent:
    id: str | None
    name: str
    data: Any  # the parsed JSON of the `data:` lines


@dataclass
class SSEParser:
    """Incremental: feed it lines as they arrive, get whole events back."""

    _name: str = ""
    _data: list[str] = field(default_factory=list)
    _id: str | None = None

    def feed(self, line: str) -> SSEEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        key, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if key == "data":
            self._data.append(value)
        elif key == "event":
            self._name = value
        elif key == "id" and "\x00" not in value:
            self._id = value
        return None

    def _dispatch(self) -> SSEEvent | None:
        data, name = self._data, self._name or "message"
        self._data, self._name = [], ""
        if not data:
            return None
        return SSEEvent(self._id, name, json.loads("\n".join(data)))


def sse_events(body: str) -> list[SSEEvent]:
    """The events of a whole event stream."""
    parser = SSEParser()
    return [event for line in re.split(r"\r\n|\r|\n", body) if (event := parser.feed(line))]


async def read_events(response: httpx.Response) -> AsyncIterator[SSEEvent]:
    """The events of a streamed response, each as soon as its blank line has arrived."""
    parser = SSEParser()
    async for line in response.aiter_lines():
        if (event := parser.feed(line)) is not None:
            yield event


def names(events: Iterable[SSEEvent]) -> list[str]:
    return [event.name for event in events]


def of_kind(events: Iterable[SSEEvent], name: str) -> list[Any]:
    return [event.data for event in events if event.name == name]
