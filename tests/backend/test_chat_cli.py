"""`todo-chat chat "…"` (docs/api.md §2): one turn against a running server, printed as it
streams, with a token the server accepts however its issuer and audience are configured."""

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.chat_cli import local_time_zone
from backend.cli import main
from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.clock import CALENDAR_DAYS, on_reference_days
from tests.plain import assert_plain
from tests.processes import TODO_CHAT
from tests.providers import provider_settings
from tests.rows import message_rows, scalar, task_rows
from tests.tokens import TEST_SECRET

KIRITIMATI = ZoneInfo("Pacific/Kiritimati")

ISSUER = "https://auth.example.test"
AUDIENCE = "todo-chat"


@pytest.fixture(autouse=True)
def cli_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI reads the same settings as the server it talks to; no `.env` is read."""
    monkeypatch.chdir(tmp_path)
    for name in ("BETTER_AUTH_SECRET", "AUTH_JWKS_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTH_SECRET", TEST_SECRET)
    monkeypatch.setenv("AUTH_ISSUER", ISSUER)
    monkeypatch.setenv("AUTH_AUDIENCE", AUDIENCE)


@pytest.fixture
async def server_url(settings: Settings) -> AsyncIterator[str]:
    """The app under uvicorn, checking the same issuer and audience."""
    configured = settings.model_copy(update={"auth_issuer": ISSUER, "auth_audience": AUDIENCE})
    async with serving(create_app(configured)) as url:
        yield url


async def chat(url: str, *argv: str) -> int:
    # The CLI is synchronous; the server runs in this event loop.
    return await asyncio.to_thread(main, ["chat", *argv, "--url", url])


def own_lines(stderr: str) -> list[str]:
    """Every line the CLI printed to stderr (the server in this process logs JSON lines)."""
    return [line for line in stderr.splitlines() if not line.startswith("{")]


def cli_lines(stderr: str) -> list[str]:
    """The CLI's own stderr lines; the server in this process logs JSON lines there too."""
    return [line for line in stderr.splitlines() if line.startswith("[")]


async def test_chat_streams_the_answer_and_the_tool_calls_land_in_the_database(
    server_url: str, db_engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await chat(server_url, "add a task to buy milk", "--user", "alice") == 0
    first = capsys.readouterr()
    assert await chat(server_url, "what's pending?", "--user", "alice", "--conversation", "1") == 0
    second = capsys.readouterr()

    # The answer goes to stdout; the conversation and the tool calls, in words, to stderr.
    assert first.out == 'Added "Buy milk" as task 1.\n'
    assert cli_lines(first.err) == ["[conversation 1]", "[Task 1 created: Buy milk]"]
    assert "Buy milk" in second.out
    assert cli_lines(second.err) == ["[conversation 1]", "[1 task found]"]
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", None, False)]
    rows = await message_rows(db_engine, "alice")
    roles = [(conversation, role) for conversation, _, role, _ in rows]
    assert roles == [(1, "user"), (1, "assistant"), (1, "user"), (1, "assistant")]


async def test_a_user_id_with_reserved_characters_reaches_its_own_list(
    server_url: str, db_engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    user = "alice smith?x#1%"
    assert await chat(server_url, "remind me to call mom", "--user", user) == 0

    assert "Call mom" in capsys.readouterr().out
    assert await task_rows(db_engine, user) == [(1, "Call mom", None, False)]


async def test_a_server_that_is_not_running_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await chat("http://127.0.0.1:9", "hello") == 1

    said = own_lines(capsys.readouterr().err)
    assert said == ["The server isn't answering: is it running (make run)?"]
    assert_plain(said[0])


async def chat_in_terminal(url: str, *argv: str) -> tuple[int, str]:
    """`todo-chat chat` as its own process, stdout and stderr on one pipe (as a terminal or
    `2>&1` shows them): the exit status and everything it printed, in order."""
    process = await asyncio.create_subprocess_exec(
        str(TODO_CHAT), "chat", *argv, "--url", url, env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    async with asyncio.timeout(60):
        printed, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, printed.decode()


async def test_each_turn_prints_one_predictable_layout(settings: Settings, server_url: str) -> None:
    """The conversation first, each tool call on a line of its own (also when the model wrote
    text before calling it), the answer ending with a newline: turns printed one after another
    stay apart."""
    first = await chat_in_terminal(server_url, "--user", "alice", "add a task to buy milk")
    model = ScriptedModel(
        [
            [
                assistant_message("Let me add that."),
                function_call("add_task", {"title": "Tea"}, call_id="c1"),
            ],
            [assistant_message("Added tea as task 1.")],
        ]
    )
    configured = settings.model_copy(update={"auth_issuer": ISSUER, "auth_audience": AUDIENCE})
    async with serving(create_app(configured, model=model)) as scripted_url:
        second = await chat_in_terminal(scripted_url, "--user", "bob", "add tea")

    assert first == (
        0,
        '[conversation 1]\n[Task 1 created: Buy milk]\nAdded "Buy milk" as task 1.\n',
    )
    assert second == (
        0,
        "[conversation 1]\nLet me add that.\n[Task 1 created: Tea]\nAdded tea as task 1.\n",
    )


def test_the_local_zone_is_tz_when_it_names_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", ":Asia/Tokyo")
    assert local_time_zone() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "America/Denver")
    assert local_time_zone() == "America/Denver"


def test_a_bad_tz_falls_back_to_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TZ", raising=False)
    machine = local_time_zone()
    monkeypatch.setenv("TZ", "Mars/Olympus")
    assert local_time_zone() == machine
    assert ZoneInfo(machine)  # a name the server accepts, UTC at worst


@on_reference_days(KIRITIMATI, [day for day in CALENDAR_DAYS if day.name == "new-years-eve"])
async def test_tomorrow_is_the_tomorrow_of_the_terminal_zone(
    clock: datetime, server_url: str, db_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI sends its zone: a task due "tomorrow" is due on tomorrow's date there. The two
    zones are 25 hours apart, so their tomorrows are never the same day (on 31 December in
    Kiritimati: 1 January there, 31 December in Pago Pago)."""
    due_dates = {}
    for user, zone in [("alice", "Pacific/Kiritimati"), ("bob", "Pacific/Pago_Pago")]:
        monkeypatch.setenv("TZ", zone)
        assert await chat(server_url, "add a task to pay rent due tomorrow", "--user", user) == 0
        due_at = await scalar(db_engine, "SELECT due_at FROM tasks WHERE user_id = :u", u=user)
        due_dates[user] = due_at.astimezone(ZoneInfo(zone)).date()
        assert due_dates[user] == clock.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
    assert due_dates["alice"] != due_dates["bob"]


async def test_a_delete_waiting_off_a_terminal_says_how_to_decide(
    server_url: str, db_engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await chat(server_url, "add a task to buy milk", "--user", "alice") == 0
    capsys.readouterr()
    assert await chat(server_url, "delete task 1", "--user", "alice", "--conversation", "1") == 0

    printed = cli_lines(capsys.readouterr().err)
    assert "[waiting for your decision: Delete task 1 “Buy milk”?]" in printed
    assert printed[-1] == '[to decide, run: todo-chat chat yes --conversation 1 (or "no")]'
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", None, False)]


@pytest.mark.parametrize(("reply", "kept"), [("y", False), ("", True)])
async def test_a_delete_waiting_on_a_terminal_asks_y_n(
    server_url: str,
    db_engine: AsyncEngine,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    reply: str,
    kept: bool,
) -> None:
    assert await chat(server_url, "add a task to buy milk", "--user", "alice") == 0
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return reply

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", answer)
    capsys.readouterr()

    assert await chat(server_url, "delete task 1", "--user", "alice", "--conversation", "1") == 0

    assert asked == ["Delete task 1 “Buy milk”? [y/N] "]
    out = capsys.readouterr().out
    assert ("OK, I kept it." if kept else "Deleted task 1") in out
    rows = await task_rows(db_engine, "alice")
    assert rows == ([(1, "Buy milk", None, False)] if kept else [])


async def test_a_refused_message_is_said_in_plain_words(
    server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 422 or 404 from the server: its sentence for a person, never the JSON body, a code
    or a field path."""
    assert await chat(server_url, "x" * 4001, "--user", "alice") == 1
    too_long = own_lines(capsys.readouterr().err)
    assert await chat(server_url, "hello", "--user", "alice", "--conversation", "9") == 1
    missing = own_lines(capsys.readouterr().err)

    assert too_long == ["error: The message is too long (at most 4000 characters)."]
    assert missing == ["error: Conversation not found."]
    for said in too_long + missing:
        assert_plain(said)


async def test_a_failed_answer_is_said_in_plain_words(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stream's `error` event: its sentence, without its code."""
    unreachable = provider_settings(
        settings, "chat_completions", openai_base_url="http://127.0.0.1:9/v1"
    )
    configured = unreachable.model_copy(update={"auth_issuer": ISSUER, "auth_audience": AUDIENCE})
    async with serving(create_app(configured)) as url:
        assert await chat(url, "hello", "--user", "alice") == 1

    printed = own_lines(capsys.readouterr().err)
    assert printed == [
        "[conversation 1]",
        "error: The AI model is unavailable right now; please retry.",
    ]
    assert_plain(printed[-1])
