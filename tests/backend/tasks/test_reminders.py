"""Reminders go out once per task and reminder time, however many processes poll, also for
times that passed while no server ran; completed tasks and future times are left alone."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from backend.db.engine import SessionMaker, create_engine, create_sessionmaker
from backend.db.url import Pooler
from backend.http.errors import BrokerUnavailable
from backend.main import create_app
from backend.settings import Settings
from backend.tasks.recurrence import Recurrence
from backend.tasks.reminders import Publish, ReminderLoop
from backend.tasks.store import TaskRecord, TaskStore
from tests.apps import running
from tests.clock import on_reference_days
from tests.polling import eventually
from tests.tokens import TEST_SECRET

PROCESSES = 4
DEADLINE = 10.0
Sent = Counter[tuple[str, int, datetime | None]]


def collector(sent: Sent) -> Publish:
    async def publish(owner: str, task: TaskRecord) -> None:
        await asyncio.sleep(0)  # let other loops interleave
        sent[(owner, task.number, task.remind_at)] += 1

    return publish


@pytest.fixture
async def sessionmakers(
    database: str, database_pooler: Pooler
) -> AsyncIterator[list[SessionMaker]]:
    """One engine per simulated server process, each with its own connections (through
    PgBouncer in that CI pass, as a server there would be)."""
    engines = [create_engine(database, pooler=database_pooler) for _ in range(PROCESSES)]
    yield [create_sessionmaker(engine) for engine in engines]
    for engine in engines:
        await engine.dispose()


async def add(
    maker: SessionMaker,
    owner: str,
    remind_at: datetime | None,
    due_at: datetime | None = None,
    recurrence: Recurrence | None = None,
) -> TaskRecord:
    async with maker.begin() as session:
        store = TaskStore(session, owner)
        return await store.create("t", remind_at=remind_at, due_at=due_at, recurrence=recurrence)


async def test_many_processes_send_each_due_reminder_exactly_once(
    sessionmakers: list[SessionMaker],
) -> None:
    now = datetime.now(UTC)
    maker = sessionmakers[0]
    # Due while "no server ran": 250 reminders (more than one claim batch) for two users.
    for n in range(125):
        for owner in ("alice", "bob"):
            await add(maker, owner, now - timedelta(minutes=n))
    future = await add(maker, "alice", now + timedelta(hours=1))
    done = await add(maker, "alice", now - timedelta(minutes=5))
    async with maker.begin() as session:
        await TaskStore(session, "alice").update(done.number, completed=True)

    sent: Sent = Counter()
    loops = [ReminderLoop(m, collector(sent), interval_seconds=1) for m in sessionmakers]
    counts = await asyncio.gather(*(loop.send_due() for loop in loops for _ in range(3)))

    assert sum(counts) == 250
    assert len(sent) == 250
    assert set(sent.values()) == {1}
    numbers = {(owner, number) for owner, number, _ in sent}
    assert ("alice", future.number) not in numbers
    assert ("alice", done.number) not in numbers
    # Nothing is left to send.
    assert await loops[0].send_due() == 0


@on_reference_days(ZoneInfo("America/New_York"))
async def test_a_reminder_comes_due_on_the_apps_clock(
    clock: datetime, sessionmakers: list[SessionMaker]
) -> None:
    """Due is the app's "now" (the clock the test set), not the database server's."""
    maker = sessionmakers[0]
    sent: Sent = Counter()
    past = await add(maker, "alice", clock - timedelta(minutes=1))
    await add(maker, "alice", clock + timedelta(minutes=5))

    assert await ReminderLoop(maker, collector(sent), interval_seconds=1).send_due() == 1
    assert sent == Counter({("alice", past.number, past.remind_at): 1})


async def test_a_new_reminder_time_is_sent_again_the_same_one_never(
    sessionmakers: list[SessionMaker],
) -> None:
    maker = sessionmakers[0]
    sent: Sent = Counter()
    loop = ReminderLoop(maker, collector(sent), interval_seconds=1)
    first = datetime.now(UTC) - timedelta(minutes=1)
    task = await add(maker, "alice", first)
    assert await loop.send_due() == 1

    async with maker.begin() as session:
        store = TaskStore(session, "alice")
        await store.update(task.number, title="renamed")  # other changes: no new reminder
    assert await loop.send_due() == 0

    second = first + timedelta(seconds=30)
    async with maker.begin() as session:
        await TaskStore(session, "alice").update(task.number, remind_at=second)
    assert await loop.send_due() == 1
    async with maker.begin() as session:
        await TaskStore(session, "alice").update(task.number, remind_at=first)
    assert await loop.send_due() == 1  # a different time than the last one sent
    assert sent == Counter({("alice", 1, first): 2, ("alice", 1, second): 1})


async def test_the_next_occurrence_of_a_recurring_task_gets_its_own_reminder(
    sessionmakers: list[SessionMaker],
) -> None:
    maker = sessionmakers[0]
    sent: Sent = Counter()
    loop = ReminderLoop(maker, collector(sent), interval_seconds=1)
    due = datetime.now(UTC) + timedelta(hours=1)
    await add(
        maker,
        "alice",
        due - timedelta(days=1, minutes=2),
        due_at=due - timedelta(days=1),
        recurrence="daily",
    )
    assert await loop.send_due() == 1
    async with maker.begin() as session:
        change = await TaskStore(session, "alice").update(1, completed=True)
    assert change is not None
    assert change.next_task is not None
    # The next one's reminder is two minutes before its due time, an hour from now: not yet.
    assert await loop.send_due() == 0


async def test_a_failing_publisher_does_not_stop_the_others(
    sessionmakers: list[SessionMaker], caplog: pytest.LogCaptureFixture
) -> None:
    maker = sessionmakers[0]
    delivered: list[str] = []

    async def publish(owner: str, task: TaskRecord) -> None:
        if owner == "alice":
            raise ConnectionError("feed down")
        delivered.append(owner)

    await add(maker, "alice", datetime.now(UTC) - timedelta(minutes=2))
    await add(maker, "bob", datetime.now(UTC) - timedelta(minutes=1))
    assert await ReminderLoop(maker, publish, interval_seconds=1).send_due() == 2
    assert delivered == ["bob"]
    assert "publishing a reminder failed" in caplog.text


async def test_two_running_apps_on_one_database_send_each_reminder_once(
    database: str, tmp_path: Path, auth: Callable[[str], dict[str, str]]
) -> None:
    """Two servers' lifespans poll every 50 ms; reminders created over REST on one, some due
    already and some half a second later, reach the publisher once: by the time the later
    ones are sent, both loops have polled many times past the earlier ones."""
    sent: Sent = Counter()
    settings = Settings(
        _env_file=None,
        database_url=database,
        data_dir=tmp_path,
        auth_secret=TEST_SECRET,
        chat_model="offline",
        reminder_interval_seconds=0.05,
    )
    apps = [create_app(settings, publish_reminder=collector(sent)) for _ in range(2)]
    async with running(apps[0]), running(apps[1]):
        transport = httpx.ASGITransport(app=apps[0])
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            now = datetime.now(UTC)
            for n in range(10):
                remind = now + timedelta(seconds=-60 if n % 2 else 0.5)
                body = {"title": f"t{n}", "remind_at": remind.isoformat()}
                response = await client.post("/api/alice/tasks", json=body, headers=auth("alice"))
                assert response.status_code == 201

            async def all_sent() -> bool:
                return len(sent) == 10

            await eventually(all_sent, DEADLINE, "every reminder sent")

    assert set(sent.values()) == {1}


async def test_a_reminder_counts_as_sent_only_once_the_broker_took_it(
    sessionmakers: list[SessionMaker],
) -> None:
    """During a Redis outage the reminder was marked sent and never delivered."""
    maker = sessionmakers[0]
    task = await add(maker, "alice", datetime.now(UTC) - timedelta(minutes=1))
    delivered: list[int] = []

    async def redis_away(owner: str, task: TaskRecord) -> None:
        raise BrokerUnavailable()

    async def redis_back(owner: str, task: TaskRecord) -> None:
        delivered.append(task.number)

    with pytest.raises(BrokerUnavailable):
        await ReminderLoop(maker, redis_away, interval_seconds=1).send_due()
    assert await ReminderLoop(maker, redis_back, interval_seconds=1).send_due() == 1
    assert delivered == [task.number]
    assert await ReminderLoop(maker, redis_back, interval_seconds=1).send_due() == 0
