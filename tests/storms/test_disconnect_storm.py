"""Storm 2: 100 tool-calling chats at concurrency 32; 30% of the clients (seeded) hang up after
a random number of events, then re-attach with the last event id they saw. Runs belong to the
server (CHAT_ON_DISCONNECT=continue): all 100 answers are stored whole, once; each client that
came back got exactly the rest of its answer; nothing is left claimed, no connection or
transaction is left behind, and no upstream model request was cancelled."""

import asyncio
import contextlib
import random
import time
from collections import Counter

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from backend.main import create_app
from backend.services import Services
from backend.settings import Settings
from tests.apps import serving_in_thread
from tests.fakes.openai_frames import filler_text
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server
from tests.polling import eventually
from tests.rows import rows, scalar
from tests.sse import SSE, SSEEvent, read_events
from tests.storms.support import (
    Stream,
    add_task_script,
    chat,
    client,
    report,
    services_of,
    storm_settings,
)
from tests.tokens import TokenFactory

CLIENTS = 100
CONCURRENCY = 32
LEAVING = 0.3
REPLY_WORDS = 20
# conversation, tool_call, tool_result, the reply's deltas (4 characters each), done
EVENTS = 3 + -(-len(filler_text(REPLY_WORDS)) // 4) + 1


def plan(seed: int) -> list[int | None]:
    """For each client: hang up after this many events (1 … all but `done`), or stay; exactly
    LEAVING of the clients leave."""
    rng = random.Random(seed)
    leaving = set(rng.sample(range(CLIENTS), round(CLIENTS * LEAVING)))
    return [rng.randint(1, EVENTS - 1) if n in leaving else None for n in range(CLIENTS)]


async def _rest(http: httpx.AsyncClient, user: str, token: str, first: Stream) -> list[SSEEvent]:
    """What a client that left gets when it re-attaches with the last id it saw."""
    conversation = first.events[0].data["conversation_id"]
    headers = {
        **SSE,
        "Authorization": f"Bearer {token}",
        "Last-Event-ID": first.events[-1].id or "",
    }
    path = f"/api/{user}/conversations/{conversation}/stream"
    async with http.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200
        return [event async for event in read_events(response)]


async def _clients(
    http: httpx.AsyncClient, worker: int, token: str, leaves: list[int | None]
) -> dict[int, tuple[Stream, list[SSEEvent]]]:
    user = f"leaver-{worker:02d}"
    seen = {}
    for number in range(worker, CLIENTS, CONCURRENCY):
        message = f"Leaver task {number:03d}"
        first = await chat(http, user, token, message, leave_after=leaves[number])
        rest = await _rest(http, user, token, first) if first.left_after else []
        seen[number] = (first, rest)
    return seen


def pool_of(engine: AsyncEngine) -> QueuePool:
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    return pool


def checked_out(services: Services) -> int:
    return pool_of(services.engine).checkedout()


async def idle_in_transaction(engine: AsyncEngine) -> int:
    count: int = await scalar(
        engine,
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    )
    return count


async def busy_conversations(engine: AsyncEngine) -> int:
    count: int = await scalar(
        engine, "SELECT count(*) FROM conversations WHERE active_run_id IS NOT NULL"
    )
    return count


async def test_disconnect_storm(
    settings: Settings, db_engine: AsyncEngine, make_token: TokenFactory
) -> None:
    leaves = plan(seed=2)
    reply = filler_text(REPLY_WORDS)
    provider = FakeConfig(
        script=add_task_script(),
        reply_words=REPLY_WORDS,
        ttft_seconds=0.02,
        tokens_per_second=40,
    )
    streams: dict[int, Stream] = {}
    rests: dict[int, list[SSEEvent]] = {}
    async with running_server(create_fake_openai_app(provider)) as provider_url:
        app = create_app(storm_settings(settings, provider_url, "chat_completions"))
        async with serving_in_thread(app) as base_url, client(base_url, keep_alive=False) as http:
            services = services_of(app)
            started = time.monotonic()
            async with asyncio.timeout(120):
                for seen in await asyncio.gather(
                    *(
                        _clients(http, w, make_token(f"leaver-{w:02d}"), leaves)
                        for w in range(CONCURRENCY)
                    )
                ):
                    streams.update({n: first for n, (first, _) in seen.items()})
                    rests.update({n: rest for n, (_, rest) in seen.items()})
            elapsed = time.monotonic() - started

            async def leftovers() -> dict[str, int]:
                return {
                    "checked out": checked_out(services),
                    "busy conversations": await busy_conversations(db_engine),
                    "upstream streams open": provider.active_streams,
                }

            async def settled() -> bool:
                return not any((await leftovers()).values())

            try:
                quiet_after = await eventually(settled, 10.0, "turns released, pool checked in")
            except AssertionError:
                raise AssertionError(f"left behind: {await leftovers()}") from None
            assert await idle_in_transaction(db_engine) == 0

            # Sessions on the database beyond the ones the two pools hold idle: leaked.
            # (A session closed a moment ago may linger in pg_stat_activity: poll.)
            async def leaked_sessions() -> int:
                sessions: int = await scalar(
                    db_engine,
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = 'todo-chat'"
                    " AND pid <> pg_backend_pid()",
                )
                beyond_pools: int = (
                    sessions
                    - pool_of(services.engine).checkedin()
                    - pool_of(services.servers.beat_engine).checkedin()  # the server's beat
                    - (pool_of(db_engine).checkedin() - 1)
                )
                if settings.database_pooler == "transaction":
                    # Behind PgBouncer the server's sessions are PgBouncer's, shared by the
                    # app's pooled connections: fewer than the pools hold is expected.
                    return max(beyond_pools, 0)
                return beyond_pools

            async def no_leak() -> bool:
                return await leaked_sessions() == 0

            with contextlib.suppress(AssertionError):
                await eventually(no_leak, 5.0, "no session outside the pools")
            leaked = await leaked_sessions()
            pooled = pool_of(services.engine).checkedin()
            pool_status = services.engine.pool.status()

    leavers = {n for n, s in streams.items() if s.left_after is not None}
    outcomes = Counter(s.outcome for s in streams.values())
    answers = await rows(
        db_engine,
        "SELECT c.user_id, c.number, m.content, m.status FROM messages m"
        " JOIN conversations c ON c.pk = m.conversation_pk WHERE m.role = 'assistant'",
    )
    answer_of = {(user, number): content for user, number, content, _ in answers}
    conversation_of = {
        n: (f"leaver-{n % CONCURRENCY:02d}", s.events[0].data["conversation_id"])
        for n, s in streams.items()
    }
    titles = [r[0] for r in await rows(db_engine, "SELECT title FROM tasks")]
    report(
        "disconnects (30% of clients hang up mid-stream, then re-attach with their last id)",
        {
            "chat requests": CLIENTS,
            "elapsed seconds": round(elapsed, 2),
            "clients that hung up": len(leavers),
            "hung up after k events (min/max)": (
                f"{min(streams[n].left_after or 0 for n in leavers)}"
                f"/{max(streams[n].left_after or 0 for n in leavers)} of {EVENTS}"
            ),
            "outcomes": dict(sorted(outcomes.items())),
            "assistant rows": len(answers),
            "provider": provider.stats(),
            "seconds until turns released and pool checked in": round(quiet_after, 3),
            "app sessions on the database afterwards (pooled, idle)": pooled,
            "sessions leaked (on the database, in no pool)": leaked,
            "pool": pool_status,
            "duplicate task titles": len(titles) - len(set(titles)),
        },
    )

    assert len(leavers) == sum(1 for leave in leaves if leave is not None)
    assert outcomes["done"] == CLIENTS - len(leavers)
    # Every run stored its whole answer, once, whoever was watching.
    assert len(answers) == len(answer_of) == CLIENTS
    assert {status for *_, status in answers} == {"completed"}
    assert all(content == reply for content in answer_of.values())
    for number, stream in streams.items():
        whole = stream.events + rests[number]
        run = (whole[0].id or "").partition(".")[0]
        # No gap, no duplicate: the first part and the rest are one run's events in order.
        assert [e.id for e in whole] == [f"{run}.{n}" for n in range(1, len(whole) + 1)], number
        assert whole[-1].name == "done", (number, whole[-3:])
        text = "".join(e.data["text"] for e in whole if e.name == "delta")
        assert text == whole[-1].data["response"] == answer_of[conversation_of[number]]
    assert await scalar(db_engine, "SELECT count(*) FROM messages WHERE role = 'user'") == CLIENTS
    assert len(titles) == len(set(titles)) == CLIENTS
    assert provider.cancelled_streams == 0
    assert pooled <= settings.db_pool_size
    assert leaked == 0
