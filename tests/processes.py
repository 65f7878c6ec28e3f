"""Subprocesses the tests start as a client or operator would: `todo-chat serve` and the fake
OpenAI-compatible server, each on a free loopback port. Every wait has a bound, and a process
still running on the way out gets SIGTERM and is waited for."""

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.tokens import TEST_SECRET

REPO = Path(__file__).resolve().parents[1]
TODO_CHAT = Path(sys.executable).with_name("todo-chat")
READY_WITHIN = 60.0
Process = asyncio.subprocess.Process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def subprocess_running(
    args: list[str], *, env: dict[str, str], cwd: Path, log: Path
) -> AsyncIterator[Process]:
    """Start a process writing to `log`; on the way out SIGTERM it and wait for it to exit."""
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *args, env=env, cwd=cwd, stdout=output, stderr=output
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
                    await process.wait()
                    raise AssertionError(f"{args[:3]} ignored SIGTERM") from None


async def tail(log: Path) -> str:
    text = await asyncio.to_thread(log.read_text, errors="replace")
    return text[-3000:]


async def until(condition: Callable[[], Awaitable[bool]], process: Process, log: Path) -> None:
    """Poll `condition` with short awaits until it holds; fail if the process dies first or
    `READY_WITHIN` passes, with the end of its log."""
    try:
        async with asyncio.timeout(READY_WITHIN):
            while not await condition():
                if process.returncode is not None:
                    raise AssertionError(f"exited {process.returncode}:\n{await tail(log)}")
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"not ready in {READY_WITHIN}s:\n{await tail(log)}") from None


async def answers(url: str) -> bool:
    """Whether a GET of `url` is a 200 now (`False` while nothing listens there yet)."""
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(url, timeout=1)).status_code == 200
    except httpx.TransportError:
        return False


@asynccontextmanager
async def fake_provider(log: Path, *options: str) -> AsyncIterator[str]:
    """`python -m tests.fakes.openai_server` with `options` (`--ttft`, `--tps`…) on a free port;
    yields its `/v1` base URL once it answers."""
    port = free_port()
    args = [sys.executable, "-m", "tests.fakes.openai_server", "--port", str(port), *options]
    async with subprocess_running(args, env=dict(os.environ), cwd=REPO, log=log) as process:
        url = f"http://127.0.0.1:{port}/v1"
        await until(lambda: answers(f"{url}/fake/stats"), process, log)
        yield url


def serve_env(database_url: str, provider_url: str, data_dir: Path) -> dict[str, str]:
    """The environment of a `todo-chat serve` on the test database and a fake provider: none of
    the caller's OPENAI_, CHAT_ or AUTH_ settings, and per-user request limits out of the way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CHAT_", "AUTH_"))}
    env.update(
        DATABASE_URL=database_url,
        AUTH_SECRET=TEST_SECRET,
        OPENAI_BASE_URL=provider_url,
        OPENAI_API_KEY="sk-fake",
        CHAT_MODEL="gpt-test",
        CHAT_MODEL_API="chat_completions",
        CHAT_TITLE_MODEL="none",  # the fake provider counts and scripts the chat's requests
        CHAT_MAX_STREAMS_PER_USER="100",
        CHAT_REQUESTS_PER_MINUTE="1000",
        REST_REQUESTS_PER_MINUTE="100000",
        STREAMS_PER_USER="10000",
        TODO_CHAT_DATA_DIR=str(data_dir),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    return env


@dataclass(frozen=True)
class Served:
    process: Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@asynccontextmanager
async def todo_chat_serve(
    env: dict[str, str], *options: str, cwd: Path, log: Path, port: int | None = None
) -> AsyncIterator[Served]:
    """`todo-chat serve` with `options` on `port` (else a free one), configured by `env` alone
    (give a `cwd` without a .env); yields once its /readyz answers 200."""
    port = port or free_port()
    args = [str(TODO_CHAT), "serve", "--port", str(port), *options]
    async with subprocess_running(args, env=env, cwd=cwd, log=log) as process:
        served = Served(process, port)
        await until(lambda: answers(f"{served.url}/readyz"), process, log)
        yield served
