"""Storm 1: 200 tool-calling chats at concurrency 32 against a provider that answers 5% 429,
3% 500 and cuts 2% of its streams mid-way (seeded). Every stream still ends with exactly one
final event, every user message is stored, and no tool effect happens twice."""

import asyncio
import random
import time
from collections import Counter

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving_in_thread
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server
from tests.rows import rows, scalar
from tests.storms.support import (
    FINAL_EVENTS,
    Stream,
    add_task_script,
    chat,
    client,
    report,
    storm_settings,
)
from tests.tokens import TokenFactory

CHATS = 200
CONCURRENCY = 32  # one user per worker: each user's chats run one after another
REPLY = "Added it to your list."
PROVIDER_ERRORS = {"model_rate_limited", "model_unavailable"}


async def _user_chats(
    http: httpx.AsyncClient, worker: int, token: str, results: dict[int, Stream]
) -> None:
    """Chats number `worker`, `worker + 32`, … for one user, all in one conversation."""
    user = f"storm-{worker:02d}"
    conversation: int | None = None
    for number in range(worker, CHATS, CONCURRENCY):
        stream = await chat(http, user, token, title(number), conversation_id=conversation)
        results[number] = stream
        started = stream.first("conversation")
        if started is not None:
            conversation = started.data["conversation_id"]


def title(number: int) -> str:
    return f"Storm task {number:03d}"


def successful_adds(stream: Stream) -> list[str]:
    return [
        e.data["output"]["title"]
        for e in stream.all("tool_result")
        if e.data["name"] == "add_task" and not e.data["is_error"]
    ]


async def test_fault_storm(
    settings: Settings, db_engine: AsyncEngine, make_token: TokenFactory
) -> None:
    provider = FakeConfig(
        script=add_task_script(REPLY),
        rate_429=0.05,
        rate_500=0.03,
        rate_cut=0.02,
        rng=random.Random(1),
    )
    results: dict[int, Stream] = {}
    async with running_server(create_fake_openai_app(provider)) as provider_url:
        app = create_app(storm_settings(settings, provider_url, "responses"))
        async with serving_in_thread(app) as base_url, client(base_url) as http:
            started = time.monotonic()
            async with asyncio.timeout(120):
                await asyncio.gather(
                    *(
                        _user_chats(http, w, make_token(f"storm-{w:02d}"), results)
                        for w in range(CONCURRENCY)
                    )
                )
            elapsed = time.monotonic() - started

    streams = [results[n] for n in range(CHATS)]
    outcomes = Counter(s.outcome for s in streams)
    titles = [r[0] for r in await rows(db_engine, "SELECT title FROM tasks")]
    added = [t for s in streams for t in successful_adds(s)]
    duplicates = sum(n - 1 for n in Counter(titles).values() if n > 1)
    report(
        "faults (5% 429, 3% 500, 2% cut streams)",
        {
            "chat requests": CHATS,
            "elapsed seconds": round(elapsed, 2),
            "outcomes": dict(sorted(outcomes.items())),
            "provider": provider.stats(),
            "tasks stored / successful add_task results": f"{len(titles)} / {len(added)}",
            "duplicate task titles": duplicates,
        },
    )

    for number, stream in enumerate(streams):
        assert stream.status == 200, (number, stream.body)
        assert [e.name for e in stream.finals] == [stream.events[-1].name], stream.events
        assert stream.events[-1].name in FINAL_EVENTS
        assert stream.events[0].name == "conversation"
        assert set(successful_adds(stream)) <= {title(number)}
    error_codes = {o.removeprefix("error:") for o in outcomes if o != "done"}
    assert error_codes <= PROVIDER_ERRORS, outcomes
    # One provider fault ends exactly one turn (no retries, no silent recoveries).
    assert CHATS - outcomes["done"] == provider.error_responses + provider.cut_streams
    assert outcomes["done"] > CHATS * 0.7

    assert await scalar(db_engine, "SELECT count(*) FROM messages WHERE role = 'user'") == CHATS
    # Every turn stores its answer; a failed one keeps what was done before the fault (§8).
    assert (
        await scalar(
            db_engine,
            "SELECT count(*) FROM messages WHERE role = 'assistant' AND status <> 'failed'",
        )
        == outcomes["done"]
    )
    assert (
        await scalar(db_engine, "SELECT count(*) FROM messages WHERE status = 'failed'")
        == CHATS - outcomes["done"]
    )
    assert duplicates == 0, titles
    assert sorted(titles) == sorted(added)
    assert (
        await scalar(
            db_engine, "SELECT count(*) FROM conversations WHERE active_run_id IS NOT NULL"
        )
        == 0
    )
