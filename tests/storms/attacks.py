"""What one attacking user does in the storms, shared by the storm tests (tests/storms) and
the storm bench (tests/bench/storms.py): streams that never read, and tasks that make a
search as slow as a user can make it."""

import asyncio
import os
import socket
from pathlib import Path

import asyncpg

# 10,000 tasks (the cap) holding every trigram of SEARCH_QUERY, so the trigram index keeps
# every one of them, and never matching it, so each is matched in full.
ADVERSARIAL_TASKS = 10_000
SEARCH_QUERY = "d" * 199 + "e"
ADVERSARIAL_DESCRIPTION = "d" * 899 + "e"


async def store_adversarial_tasks(dsn: str, owner: str) -> None:
    """`owner`'s tasks as a user could store them (each within the fields' limits)."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "INSERT INTO tasks (user_id, number, title, description)"
            " SELECT $1, n, 'task ' || n, $2 FROM generate_series(1, $3) n",
            owner,
            ADVERSARIAL_DESCRIPTION,
            ADVERSARIAL_TASKS,
        )
        await connection.execute("ANALYZE tasks")
    finally:
        await connection.close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class SilentStreams:
    """GET requests that read their status line, then never another byte (a small receive
    buffer, so the server's sends back up as they would for a client that stopped reading)."""

    def __init__(self, port: int, token: str) -> None:
        self._port = port
        self._token = token
        self.writers: list[asyncio.StreamWriter] = []
        self.statuses: list[int] = []

    async def open(self, path: str) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", self._port))
            reader, writer = await asyncio.open_connection(sock=sock)
        except OSError:
            sock.close()
            self.statuses.append(0)
            return
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            f"Authorization: Bearer {self._token}\r\n\r\n".encode()
        )
        try:
            line = await asyncio.wait_for(reader.readline(), 30)
            self.statuses.append(int(line.split()[1]))
        except (OSError, TimeoutError, IndexError, ValueError):
            self.statuses.append(0)
        self.writers.append(writer)

    async def keep_opening(self, path: str, per_second: int = 50) -> None:
        """Open `per_second` more streams a second, in tenths, closing each batch (until
        cancelled): the attacker trying again while refused."""
        while True:
            await asyncio.gather(*(self.open(path) for _ in range(per_second // 10)))
            self.close()
            await asyncio.sleep(0.1)

    def close(self) -> None:
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    def counts(self) -> str:
        return ", ".join(f"{s} x{self.statuses.count(s)}" for s in sorted(set(self.statuses)))
