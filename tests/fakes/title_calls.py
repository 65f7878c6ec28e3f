"""The provider's side of the title call (agent/titles.py), for tests that fake the provider
with respx: tell the title request from the chat's, and hold its answer back until the test
lets it go (so a test sees the chat answered while the title is still being made)."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from agent.titles import INSTRUCTIONS
from tests.fakes.openai_frames import Reply, Script, api_for_path, full_body, respx_side_effect

COUNTS = ("requests", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens")


def _counts(usage: dict[str, Any]) -> dict[str, int]:
    """One reply's usage, from either API's field names."""
    if "prompt_tokens" in usage:
        return {
            "requests": 1,
            "input_tokens": usage["prompt_tokens"],
            "output_tokens": usage["completion_tokens"],
            "cached_tokens": usage["prompt_tokens_details"]["cached_tokens"],
            "reasoning_tokens": usage["completion_tokens_details"]["reasoning_tokens"],
        }
    return {
        "requests": 1,
        "input_tokens": usage["input_tokens"],
        "output_tokens": usage["output_tokens"],
        "cached_tokens": usage["input_tokens_details"]["cached_tokens"],
        "reasoning_tokens": usage["output_tokens_details"]["reasoning_tokens"],
    }


def is_title_request(body: dict[str, Any]) -> bool:
    if "messages" in body:
        return any(m.get("content") == INSTRUCTIONS for m in body["messages"])
    return body.get("instructions") == INSTRUCTIONS


class _HeldBody(httpx.AsyncByteStream):
    def __init__(self, body: bytes, release: asyncio.Event) -> None:
        self._body = body
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        await self._release.wait()
        yield self._body


class TitleProvider:
    """A respx side effect: the chat's requests answered by `script`, the title request by
    `title` (a reply's text, or an HTTP status for a failure), once `release` is set."""

    def __init__(self, script: Script, title: str | int) -> None:
        self._chat = respx_side_effect(script)
        self._title = title
        self.release = asyncio.Event()
        self.title_requests: list[dict[str, Any]] = []
        # What the title answers reported, as an answer's `usage` counts it.
        self.title_usage = dict.fromkeys(COUNTS, 0)

    @property
    def title_tokens(self) -> int:
        """What the daily budget counts of the title answers: input + output."""
        return self.title_usage["input_tokens"] + self.title_usage["output_tokens"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body: dict[str, Any] = json.loads(request.content)
        if not is_title_request(body):
            return self._chat(request)
        self.title_requests.append(body)
        if isinstance(self._title, int):
            failure = json.dumps({"error": {"message": "upstream says no"}}).encode()
            return httpx.Response(self._title, stream=_HeldBody(failure, self.release))
        api = api_for_path(request.url.path)
        answered = full_body(api, Reply(self._title), request=body)
        for name, value in _counts(answered["usage"]).items():
            self.title_usage[name] += value
        answer = json.dumps(answered).encode()
        headers = {"content-type": "application/json"}
        return httpx.Response(200, headers=headers, stream=_HeldBody(answer, self.release))
