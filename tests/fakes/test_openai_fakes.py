"""The fake OpenAI provider is faithful: real wire types, real `openai` client, real Agents SDK."""

from __future__ import annotations

import asyncio
import json
import random
import time
import typing
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import httpx
import openai
import pytest
import respx
from agents import (
    Agent,
    Model,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    RunConfig,
    Runner,
    RunResultStreaming,
    function_tool,
)
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response, ResponseStreamEvent, ResponseTextDeltaEvent
from pydantic import BaseModel

from tests.fakes.openai_frames import (
    Call,
    Reply,
    Script,
    ToolCalls,
    chat_stream,
    error_body,
    last_item_is_tool_output,
    responses_stream,
    respx_error_response,
    respx_side_effect,
    sequential,
    tool_then_reply,
)
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server

Kind = Literal["responses", "chat"]
KINDS: list[Kind] = ["responses", "chat"]
RESPX_BASE = "http://fake-openai.test/v1"
ARGS = {"title": "Buy oat milk für Café ☕", "notes": "two cartons, the barista edition"}
REPLY = "Done: I added “Buy oat milk” to your list."
_EVENT_MODELS: dict[str, type[BaseModel]] = {
    typing.get_args(model.model_fields["type"].annotation)[0]: model
    for model in typing.get_args(typing.get_args(ResponseStreamEvent)[0])
}


def _sse_fields(frame: bytes) -> dict[str, str]:
    text = frame.decode()
    assert text.endswith("\n\n")
    return dict(line.split(": ", 1) for line in text.rstrip("\n").split("\n"))


def _arguments_by_item(events: Sequence[dict[str, Any]], key: str) -> dict[Any, str]:
    joined: dict[Any, str] = {}
    for event in events:
        joined[event[key]] = joined.get(event[key], "") + event["delta"]
    return joined


@pytest.mark.parametrize(
    "turn",
    [Reply("Hello there, friend"), ToolCalls([Call("add_task", ARGS), Call("list", {})], "On it")],
)
def test_responses_frames_validate_as_openai_events(turn: Reply | ToolCalls) -> None:
    frames = responses_stream(turn, request={"model": "gpt-test"}, chunk_size=3)
    events = [json.loads(_sse_fields(frame)["data"]) for frame in frames]
    for frame, event in zip(frames, events, strict=True):
        assert _sse_fields(frame)["event"] == event["type"]
        _EVENT_MODELS[event["type"]].model_validate(event, strict=True)
    assert [event["sequence_number"] for event in events] == list(range(len(events)))
    assert (events[0]["type"], events[-1]["type"]) == ("response.created", "response.completed")
    final = Response.model_validate(events[-1]["response"], strict=True)
    assert final.usage is not None
    assert final.usage.output_tokens > 0
    assert b"[DONE]" not in b"".join(frames)
    arg_deltas = [e for e in events if e["type"] == "response.function_call_arguments.delta"]
    for item in final.output:
        if item.type == "function_call":
            assert _arguments_by_item(arg_deltas, "item_id")[item.id] == item.arguments


@pytest.mark.parametrize("include_usage", [True, False])
def test_chat_frames_validate_as_openai_chunks(include_usage: bool) -> None:
    request = {"model": "gpt-test", "stream_options": {"include_usage": include_usage}}
    turn = ToolCalls([Call("add_task", ARGS), Call("list", {"all": True})])
    frames = chat_stream(turn, request=request, chunk_size=3)
    assert frames[-1] == b"data: [DONE]\n\n"
    chunks = [ChatCompletionChunk.model_validate_json(_sse_fields(f)["data"]) for f in frames[:-1]]
    assert all("event" not in _sse_fields(frame) for frame in frames)
    tool_deltas = [
        {"index": call.index, "delta": call.function.arguments}
        for chunk in chunks
        for choice in chunk.choices
        for call in choice.delta.tool_calls or []
        if call.function and call.function.arguments
    ]
    assert _arguments_by_item(tool_deltas, "index") == {0: json.dumps(ARGS, ensure_ascii=False),
                                                        1: '{"all": true}'}  # fmt: skip
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "tool_calls"
    assert set(finishes[:-1]) == {None}
    assert (chunks[-1].usage is not None) is include_usage


def test_error_bodies_have_the_openai_shape() -> None:
    for status, code in ((429, "rate_limit_exceeded"), (500, None)):
        error = error_body(status)["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert error["code"] == code


def test_scripts_read_both_request_shapes() -> None:
    script = tool_then_reply("add_task", ARGS, "ok")
    assert isinstance(script({"input": [{"role": "user", "content": "hi"}]}), ToolCalls)
    assert script({"input": [{"type": "function_call_output", "call_id": "c", "output": ""}]})
    assert last_item_is_tool_output({"messages": [{"role": "tool", "content": "{}"}]})
    assert not last_item_is_tool_output({"input": "hi"})
    ordered = sequential([Reply("a"), Reply("b")])
    assert [ordered({}), ordered({})] == [Reply("a"), Reply("b")]
    with pytest.raises(IndexError):
        ordered({})


def test_fault_draws_are_seeded() -> None:
    def draws() -> list[object]:
        config = FakeConfig(rate_429=0.2, rate_500=0.2, rate_cut=0.2, rng=random.Random(7))
        return [config.draw_fault() for _ in range(50)]

    first = draws()
    assert first == draws()
    assert set(first) == {429, 500, "cut", None}


# --- real clients ----------------------------------------------------------------------------


@asynccontextmanager
async def _client(
    base_url: str, http: httpx.AsyncClient | None
) -> AsyncIterator[openai.AsyncOpenAI]:
    # openai types http_client as httpx2.AsyncClient but accepts a legacy one (which respx patches).
    http_client: Any = http
    async with openai.AsyncOpenAI(
        api_key="test-key", base_url=base_url, http_client=http_client, max_retries=0, timeout=10
    ) as client:
        yield client


@asynccontextmanager
async def _respx_client(
    script: Script, *, cut_after: int | None = None, status: int | None = None
) -> AsyncIterator[openai.AsyncOpenAI]:
    with respx.mock(base_url=RESPX_BASE, assert_all_called=False) as router:
        handler = respx_side_effect(script, cut_after=cut_after)
        for path in ("/responses", "/chat/completions"):
            if status is None:
                router.post(path).mock(side_effect=handler)
            else:
                router.post(path).mock(return_value=respx_error_response(status))
        async with httpx.AsyncClient() as http, _client(RESPX_BASE, http) as client:
            yield client


class Fake(NamedTuple):
    config: FakeConfig
    base_url: str


@pytest.fixture
async def fake() -> AsyncIterator[Fake]:
    config = FakeConfig(script=tool_then_reply("add_task", ARGS, REPLY))
    async with running_server(create_fake_openai_app(config)) as base_url:
        yield Fake(config, base_url)


@dataclass
class AgentRun:
    deltas: list[str]
    tool_args: list[dict[str, str]]
    result: RunResultStreaming


def _model(kind: Kind, client: openai.AsyncOpenAI) -> Model:
    if kind == "responses":
        return OpenAIResponsesModel(model="gpt-test", openai_client=client)
    return OpenAIChatCompletionsModel(model="gpt-test", openai_client=client)


async def _run_agent(model: Model) -> AgentRun:
    seen: list[dict[str, str]] = []

    @function_tool
    def add_task(title: str, notes: str) -> str:
        """Add a task to the user's todo list."""
        seen.append({"title": title, "notes": notes})
        return f"Added {title}."

    agent = Agent(name="todo", instructions="Manage todos.", model=model, tools=[add_task],
                  model_settings=ModelSettings(include_usage=True))  # fmt: skip
    result = Runner.run_streamed(agent, "hi", run_config=RunConfig(tracing_disabled=True))
    run = AgentRun([], seen, result)
    async with asyncio.timeout(10):  # guards against a hang; never waited on
        async for event in result.stream_events():
            data = event.data if event.type == "raw_response_event" else None
            if isinstance(data, ResponseTextDeltaEvent):
                run.deltas.append(data.delta)
    return run


def _assert_complete_run(run: AgentRun) -> None:
    assert run.tool_args == [ARGS]
    assert len(run.deltas) > 1
    assert "".join(run.deltas) == run.result.final_output == REPLY
    usage = run.result.context_wrapper.usage
    assert (usage.requests, usage.input_tokens > 0, usage.output_tokens > 0) == (2, True, True)


@pytest.mark.parametrize("kind", KINDS)
async def test_agent_runs_against_respx(kind: Kind) -> None:
    async with _respx_client(tool_then_reply("add_task", ARGS, REPLY)) as client:
        _assert_complete_run(await _run_agent(_model(kind, client)))


@pytest.mark.parametrize("kind", KINDS)
async def test_agent_runs_against_server(kind: Kind, fake: Fake) -> None:
    async with _client(fake.base_url, None) as client:
        _assert_complete_run(await _run_agent(_model(kind, client)))
    assert (fake.config.requests, fake.config.completed_streams) == (2, 2)
    assert fake.config.bodies[-1]["model"] == "gpt-test"


@pytest.mark.parametrize("kind", KINDS)
async def test_rate_limit_via_respx(kind: Kind) -> None:
    async with _respx_client(sequential([]), status=429) as client:
        with pytest.raises(openai.RateLimitError):
            await _run_agent(_model(kind, client))


@pytest.mark.parametrize("kind", KINDS)
async def test_rate_limit_via_server(kind: Kind, fake: Fake) -> None:
    fake.config.rate_429 = 1.0
    async with _client(fake.base_url, None) as client:
        with pytest.raises(openai.RateLimitError) as caught:
            await _run_agent(_model(kind, client))
    assert caught.value.code == "rate_limit_exceeded"
    assert fake.config.error_responses == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_cut_stream_via_respx_raises(kind: Kind) -> None:
    async with _respx_client(tool_then_reply("add_task", ARGS, REPLY), cut_after=4) as client:
        with pytest.raises(openai.APIConnectionError):
            await _run_agent(_model(kind, client))


@pytest.mark.parametrize("kind", KINDS)
async def test_cut_stream_via_server_raises(kind: Kind, fake: Fake) -> None:
    fake.config.rate_cut = 1.0
    async with _client(fake.base_url, None) as client:
        with pytest.raises(openai.APIConnectionError):
            await _run_agent(_model(kind, client))
    assert (fake.config.cut_streams, fake.config.active_streams) == (1, 0)


async def test_client_disconnect_counts_as_cancelled(fake: Fake) -> None:
    fake.config.ttft_seconds = 60  # the stream stays open until the client leaves
    async with _client(fake.base_url, None) as client:
        stream = await client.responses.create(model="gpt-test", input="hi", stream=True)
        first = await anext(aiter(stream))
        await stream.close()
    assert first.type == "response.created"
    await fake.config.wait_for(lambda c: c.cancelled_streams == 1 and c.active_streams == 0)
    assert fake.config.completed_streams == 0


async def test_a_stalled_stream_sends_no_more_until_the_client_gives_up(fake: Fake) -> None:
    fake.config.script, fake.config.stall_after_frames = None, 3
    async with _client(fake.base_url, None) as client:
        stream = await client.responses.create(model="gpt-test", input="hi", stream=True)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(_drain(stream), 0.5)
        await stream.close()
    await fake.config.wait_for(lambda c: c.stalled_streams == 1 and c.cancelled_streams == 1)
    assert fake.config.completed_streams == 0


async def _drain(stream: AsyncIterator[object]) -> None:
    async for _event in stream:
        pass


async def test_ttft_delays_the_first_delta(fake: Fake) -> None:
    fake.config.script, fake.config.ttft_seconds = None, 0.2
    async with _client(fake.base_url, None) as client:
        started = time.monotonic()
        stream = await client.responses.create(model="gpt-test", input="hi", stream=True)
        async for event in stream:
            if event.type == "response.output_text.delta":
                break
        assert time.monotonic() - started >= 0.2
        await stream.close()


async def test_non_streaming_both_apis(fake: Fake) -> None:
    fake.config.script = sequential([Reply("plain"), ToolCalls([Call("add_task", ARGS)])])
    async with _client(fake.base_url, None) as client:
        response = await client.responses.create(model="gpt-test", input="hi")
        completion = await client.chat.completions.create(
            model="gpt-test", messages=[{"role": "user", "content": "hi"}]
        )
    assert Response.model_validate(response.model_dump(), strict=True).output_text == "plain"
    choice = ChatCompletion.model_validate(completion.model_dump(), strict=True).choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls
    assert json.loads(choice.message.tool_calls[0].model_dump()["function"]["arguments"]) == ARGS


async def test_openai_stream_helpers_accept_the_frames() -> None:
    script = sequential([Reply(REPLY), ToolCalls([Call("add_task", ARGS)], "Adding.")])
    async with _respx_client(script) as client:
        async with client.responses.stream(model="gpt-test", input="hi") as responses:
            final = await responses.get_final_response()
        async with client.chat.completions.stream(
            model="gpt-test", messages=[{"role": "user", "content": "hi"}]
        ) as chat:
            completion = await chat.get_final_completion()
    assert final.output_text == REPLY
    message = completion.choices[0].message
    assert message.content == "Adding."
    assert message.tool_calls
    assert json.loads(message.tool_calls[0].model_dump()["function"]["arguments"]) == ARGS
