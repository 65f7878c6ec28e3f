"""Wire-exact fake OpenAI model output: SSE frames and JSON bodies for both APIs, plus respx glue.

A model *turn* is a `Reply` or `ToolCalls`; a *script* maps a request body to the next turn.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import httpx

Api = Literal["responses", "chat"]
Json = dict[str, Any]
DEFAULT_MODEL = "gpt-test"
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
_FINGERPRINT = "fp_fake0001"
_FILLER = "Your todo list is up to date and everything on it looks manageable for today".split()


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Reply:
    """A final assistant message; `text=None` means `reply_words` words of filler."""

    text: str | None = None


@dataclass(frozen=True)
class Call:
    name: str
    arguments: Mapping[str, Any]
    call_id: str = field(default_factory=lambda: new_id("call_"))


@dataclass(frozen=True)
class ToolCalls:
    """One model turn calling one or more tools, optionally preceded by some text."""

    calls: Sequence[Call]
    text: str = ""


Turn = Reply | ToolCalls
Script = Callable[[Mapping[str, Any]], Turn]


class Frame(NamedTuple):
    data: bytes
    content: bool  # carries model output, so a pacing server delays it


def filler_text(words: int) -> str:
    picked = [_FILLER[i % len(_FILLER)] for i in range(max(1, words))]
    return " ".join(picked).capitalize() + "."


def split_chunks(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _text_of(turn: Turn, reply_words: int) -> str:
    if isinstance(turn, Reply):
        return filler_text(reply_words) if turn.text is None else turn.text
    return turn.text


def _calls_of(turn: Turn) -> Sequence[Call]:
    return turn.calls if isinstance(turn, ToolCalls) else ()


def _arguments(call: Call) -> str:
    return json.dumps(call.arguments, ensure_ascii=False)


def _input_tokens(request: Mapping[str, Any] | None) -> int:
    return max(1, len(json.dumps(request, ensure_ascii=False)) // 4) if request else 12


def _output_tokens(text: str, calls: Sequence[Call], chunk_size: int) -> int:
    pieces = len(split_chunks(text, chunk_size))
    return max(1, pieces + sum(len(split_chunks(_arguments(c), chunk_size)) for c in calls))


def encode_sse(payload: Json | str, *, event: str | None = None) -> bytes:
    if not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


# --- Responses API ---------------------------------------------------------------------------


class _Events:
    def __init__(self, chunk_size: int) -> None:
        self.events: list[Json] = []
        self.chunk_size = chunk_size

    def emit(self, type_: str, **fields: Any) -> None:
        self.events.append({"type": type_, "sequence_number": len(self.events), **fields})

    def message(self, index: int, text: str) -> Json:
        item_id = new_id("msg_")
        item: Json = {"id": item_id, "type": "message", "status": "in_progress", "content": []}
        item["role"] = "assistant"
        self.emit("response.output_item.added", output_index=index, item=item)
        where = {"item_id": item_id, "output_index": index, "content_index": 0}
        self.emit("response.content_part.added", **where, part=_text_part(""))
        for piece in split_chunks(text, self.chunk_size):
            self.emit("response.output_text.delta", **where, delta=piece, logprobs=[])
        self.emit("response.output_text.done", **where, text=text, logprobs=[])
        self.emit("response.content_part.done", **where, part=_text_part(text))
        done = {**item, "status": "completed", "content": [_text_part(text)]}
        self.emit("response.output_item.done", output_index=index, item=done)
        return done

    def function_call(self, index: int, call: Call) -> Json:
        item_id, arguments = new_id("fc_"), _arguments(call)
        item = {"id": item_id, "type": "function_call", "status": "in_progress", "arguments": ""}
        item |= {"call_id": call.call_id, "name": call.name}
        self.emit("response.output_item.added", output_index=index, item=item)
        for piece in split_chunks(arguments, self.chunk_size):
            self.emit("response.function_call_arguments.delta", item_id=item_id,
                      output_index=index, delta=piece)  # fmt: skip
        self.emit("response.function_call_arguments.done", item_id=item_id, output_index=index,
                  arguments=arguments)  # fmt: skip
        done = {**item, "status": "completed", "arguments": arguments}
        self.emit("response.output_item.done", output_index=index, item=done)
        return done


def _text_part(text: str) -> Json:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


# Like a real provider, some input comes from its prompt cache and some output is reasoning:
# fixed shares, so a test can tell each count reached the stored usage.
def _cached(input_tokens: int) -> int:
    return input_tokens // 2


def _reasoning(output_tokens: int) -> int:
    return output_tokens // 3


def _responses_usage(input_tokens: int, output_tokens: int) -> Json:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": _cached(input_tokens), "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": _reasoning(output_tokens)},
        "total_tokens": input_tokens + output_tokens,
    }


def _response_object(rid: str, created: int, request: Mapping[str, Any]) -> Json:
    """The in-progress `response` object, echoing request settings like the real API."""
    return {
        "id": rid, "object": "response", "created_at": created, "status": "in_progress",
        "background": False, "error": None, "incomplete_details": None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"), "max_tool_calls": None,
        "model": request.get("model") or DEFAULT_MODEL, "output": [],
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "previous_response_id": request.get("previous_response_id"),
        "prompt_cache_key": None, "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None, "service_tier": "default", "store": request.get("store", True),
        "temperature": request.get("temperature", 1.0),
        "text": request.get("text") or {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": request.get("tool_choice", "auto"), "tools": request.get("tools", []),
        "top_logprobs": 0, "top_p": request.get("top_p", 1.0),
        "truncation": request.get("truncation", "disabled"), "usage": None, "user": None,
        "metadata": request.get("metadata") or {},
    }  # fmt: skip


def responses_events(
    turn: Turn,
    *,
    request: Mapping[str, Any] | None = None,
    chunk_size: int = 4,
    reply_words: int = 20,
) -> list[Json]:
    """The event objects of one streamed `POST /v1/responses`, in the real API's order."""
    created = int(time.time())
    response = _response_object(new_id("resp_"), created, request or {})
    events = _Events(chunk_size)
    events.emit("response.created", response=response)
    events.emit("response.in_progress", response=response)
    text, calls = _text_of(turn, reply_words), _calls_of(turn)
    output = [events.message(0, text)] if text else []
    output += [events.function_call(len(output) + i, call) for i, call in enumerate(calls)]
    usage = _responses_usage(_input_tokens(request), _output_tokens(text, calls, chunk_size))
    final = {**response, "status": "completed", "completed_at": created, "output": output}
    events.emit("response.completed", response={**final, "usage": usage})
    return events.events


def responses_stream(turn: Turn, **options: Any) -> list[bytes]:
    """SSE frames (`event:` + `data:`) of a streamed Responses call; no `[DONE]`."""
    return [encode_sse(e, event=e["type"]) for e in responses_events(turn, **options)]


def responses_body(turn: Turn, **options: Any) -> Json:
    """The JSON body of a non-streamed `POST /v1/responses`."""
    completed: Json = responses_events(turn, **options)[-1]["response"]
    return completed


# --- Chat Completions ------------------------------------------------------------------------


def _chat_usage(prompt_tokens: int, completion_tokens: int) -> Json:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": _cached(prompt_tokens), "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": _reasoning(completion_tokens), "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
        },
    }  # fmt: skip


def _wants_usage(request: Mapping[str, Any] | None) -> bool:
    options = (request or {}).get("stream_options") or {}
    return bool(options.get("include_usage"))


def _call_deltas(index: int, call: Call, chunk_size: int) -> Iterator[Json]:
    function = {"name": call.name, "arguments": ""}
    yield {"index": index, "id": call.call_id, "type": "function", "function": function}
    for piece in split_chunks(_arguments(call), chunk_size):
        yield {"index": index, "function": {"arguments": piece}}


def _chat_deltas(text: str, calls: Sequence[Call], chunk_size: int) -> Iterator[Json]:
    role: Json = {"role": "assistant", "refusal": None}
    if text:
        yield {**role, "content": ""}
        yield from ({"content": piece} for piece in split_chunks(text, chunk_size))
        role = {}
    for index, call in enumerate(calls):
        for tool_delta in _call_deltas(index, call, chunk_size):
            yield {**role, **({"content": None} if role else {}), "tool_calls": [tool_delta]}
            role = {}


def chat_chunks(
    turn: Turn,
    *,
    request: Mapping[str, Any] | None = None,
    chunk_size: int = 4,
    reply_words: int = 20,
) -> list[Json]:
    """The `chat.completion.chunk` objects of one streamed `POST /v1/chat/completions`."""
    usage_wanted = _wants_usage(request)
    base: Json = {
        "id": new_id("chatcmpl-"), "object": "chat.completion.chunk", "created": int(time.time()),
        "model": (request or {}).get("model") or DEFAULT_MODEL, "service_tier": "default",
        "system_fingerprint": _FINGERPRINT,
    }  # fmt: skip
    # With include_usage the real API sends an explicit null until the usage chunk.
    usage_null = {"usage": None} if usage_wanted else {}

    def chunk(delta: Json, finish: str | None = None) -> Json:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice], **usage_null}

    text, calls = _text_of(turn, reply_words), _calls_of(turn)
    chunks = [chunk(delta) for delta in _chat_deltas(text, calls, chunk_size)]
    chunks.append(chunk({}, "tool_calls" if calls else "stop"))
    if usage_wanted:
        usage = _chat_usage(_input_tokens(request), _output_tokens(text, calls, chunk_size))
        chunks.append({**base, "choices": [], "usage": usage})
    return chunks


def chat_stream(turn: Turn, **options: Any) -> list[bytes]:
    """SSE frames (`data:` only) of a streamed Chat Completions call, ending in `[DONE]`."""
    return [encode_sse(c) for c in chat_chunks(turn, **options)] + [encode_sse("[DONE]")]


def _tool_call(call: Call) -> Json:
    function = {"name": call.name, "arguments": _arguments(call)}
    return {"id": call.call_id, "type": "function", "function": function}


def chat_body(
    turn: Turn,
    *,
    request: Mapping[str, Any] | None = None,
    chunk_size: int = 4,
    reply_words: int = 20,
) -> Json:
    """The JSON body of a non-streamed `POST /v1/chat/completions`."""
    text, calls = _text_of(turn, reply_words), _calls_of(turn)
    message: Json = {"role": "assistant", "content": text or None, "refusal": None}
    message["annotations"] = []
    if calls:
        message["tool_calls"] = [_tool_call(c) for c in calls]
    finish = "tool_calls" if calls else "stop"
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
    tokens = _output_tokens(text, calls, chunk_size)
    return {
        "id": new_id("chatcmpl-"), "object": "chat.completion", "created": int(time.time()),
        "model": (request or {}).get("model") or DEFAULT_MODEL, "choices": [choice],
        "usage": _chat_usage(_input_tokens(request), tokens), "service_tier": "default",
        "system_fingerprint": _FINGERPRINT,
    }  # fmt: skip


# --- Both APIs -------------------------------------------------------------------------------


def api_for_path(path: str) -> Api:
    return "chat" if path.rstrip("/").endswith("/chat/completions") else "responses"


def stream_frames(api: Api, turn: Turn, **options: Any) -> list[Frame]:
    """Frames tagged with whether they carry model output (for TTFT/tokens-per-second pacing)."""
    if api == "responses":
        events = responses_events(turn, **options)
        return [Frame(encode_sse(e, event=e["type"]), e["type"].endswith(".delta")) for e in events]
    frames = [Frame(encode_sse(c), _chunk_has_output(c)) for c in chat_chunks(turn, **options)]
    return [*frames, Frame(encode_sse("[DONE]"), False)]


def _chunk_has_output(chunk: Json) -> bool:
    return any(c["delta"].get("content") or c["delta"].get("tool_calls") for c in chunk["choices"])


def full_body(api: Api, turn: Turn, **options: Any) -> Json:
    return responses_body(turn, **options) if api == "responses" else chat_body(turn, **options)


_RATE_LIMITED = (
    "Rate limit reached for gpt-test in organization org-fake on tokens per min (TPM): Limit "
    "30000, Used 30000, Requested 120. Please try again in 240ms. Visit "
    "https://platform.openai.com/account/rate-limits to learn more."
)
_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("We could not parse the JSON body of your request.", "invalid_request_error", None),
    429: (_RATE_LIMITED, "tokens", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!",
          "server_error", None),
}  # fmt: skip


def error_body(status: int, message: str | None = None) -> Json:
    """The real API's error JSON for `status` (400, 429 and 500 are modelled)."""
    default, type_, code = _ERRORS.get(status, _ERRORS[500])
    return {"error": {"message": message or default, "type": type_, "param": None, "code": code}}


# --- Scripts ---------------------------------------------------------------------------------


class Sequential:
    """Hands out `turns` in order, one per request; thread- and task-safe."""

    def __init__(self, turns: Iterable[Turn]) -> None:
        self._turns = list(turns)
        self._next = 0
        self._lock = threading.Lock()

    def __call__(self, request: Mapping[str, Any]) -> Turn:
        with self._lock:
            if self._next >= len(self._turns):
                raise IndexError(f"script exhausted after {len(self._turns)} turns")
            self._next += 1
            return self._turns[self._next - 1]

    @property
    def remaining(self) -> int:
        return len(self._turns) - self._next


sequential = Sequential


def last_item_is_tool_output(request: Mapping[str, Any]) -> bool:
    """True when the request ends with a tool result (Responses `input` or Chat `messages`)."""
    items = request.get("input", request.get("messages"))
    if not isinstance(items, list) or not items or not isinstance(items[-1], dict):
        return False
    last = items[-1]
    return last.get("type") == "function_call_output" or last.get("role") == "tool"


def tool_then_reply(
    tool_name: str, args: Mapping[str, Any], reply_text: str | None = None
) -> Script:
    """Call `tool_name(**args)` on a fresh user turn; reply once the tool's output came back."""

    def script(request: Mapping[str, Any]) -> Turn:
        if last_item_is_tool_output(request):
            return Reply(reply_text)
        return ToolCalls([Call(tool_name, args)])

    return script


# --- respx -----------------------------------------------------------------------------------


class FrameStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A re-iterable response body yielding one frame per chunk; `cut_after` drops the line."""

    def __init__(self, frames: Sequence[bytes], *, cut_after: int | None = None) -> None:
        self._frames = list(frames)
        self._cut_after = cut_after

    def __iter__(self) -> Iterator[bytes]:
        yield from self._frames[: self._cut_after]
        if self._cut_after is not None:
            # Same error (and text) httpx raises when a server drops a chunked body midway.
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body "
                "(incomplete chunked read)"
            )

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for frame in self:
            yield frame


def respx_stream_response(
    frames: Sequence[bytes], *, cut_after: int | None = None
) -> httpx.Response:
    headers = {**SSE_HEADERS, "x-request-id": new_id("req_")}
    return httpx.Response(200, headers=headers, stream=FrameStream(frames, cut_after=cut_after))


def respx_error_response(status: int, message: str | None = None) -> httpx.Response:
    headers = {"x-request-id": new_id("req_")}
    return httpx.Response(status, headers=headers, json=error_body(status, message))


def respx_side_effect(
    script: Script, *, chunk_size: int = 4, reply_words: int = 20, cut_after: int | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect serving either API, streamed or not, with turns from `script`."""

    def handle(request: httpx.Request) -> httpx.Response:
        body: Json = json.loads(request.content)
        api, turn = api_for_path(request.url.path), script(body)
        options = {"request": body, "chunk_size": chunk_size, "reply_words": reply_words}
        if not body.get("stream"):
            return httpx.Response(200, json=full_body(api, turn, **options))
        frames = [frame.data for frame in stream_frames(api, turn, **options)]
        response = respx_stream_response(frames, cut_after=cut_after)
        # What was streamed, for a test to read back (the app consumed the stream).
        response.extensions["streamed"] = b"".join(frames)
        return response

    return handle
