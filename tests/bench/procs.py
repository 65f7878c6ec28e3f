"""The bench's processes: the fake model and todo-chat, each a subprocess of its own."""

import asyncio
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def raise_open_files_limit() -> int:
    """Soft limit up to the hard one (children inherit it): thousands of sockets each."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_kib(pid: int) -> int:
    """VmRSS of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(pgdata: Path) -> float:
    """CPU time a PostgreSQL server used so far: its postmaster, the backends alive now, and
    those that ended (the kernel adds a reaped child's time to its parent's)."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    total = _cpu_fields(postmaster, children=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(postmaster):
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            if int(fields[1]) == postmaster:
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _cpu_fields(pid: int, *, children: bool) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = int(fields[11]) + int(fields[12])
    return own + (int(fields[13]) + int(fields[14]) if children else 0)


@contextmanager
def subprocess_of(args: list[str], env: Mapping[str, str], log: Path) -> Iterator[int]:
    """Run `args` for the duration of the block; yields its pid."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            yield process.pid
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def fake_model(port: int, log: Path) -> AbstractContextManager[int]:
    args = [sys.executable, "-m", "tests.bench.fake_model", "--port", str(port)]
    return subprocess_of(args, {}, log)


def todo_chat_server(port: int, env: Mapping[str, str], log: Path) -> AbstractContextManager[int]:
    args = [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)]
    return subprocess_of(args, env, log)


async def wait_until_up(url: str, pid: int, log: Path, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            try:
                if (await client.get(url, timeout=1.0)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up; see {log}:\n{_tail(log)}")


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _tail(log: Path) -> str:
    return log.read_text()[-3000:]
