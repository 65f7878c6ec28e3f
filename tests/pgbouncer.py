"""A private PgBouncer in transaction mode in front of the test PostgreSQL server: what Neon's
pooled host, Supabase's pooler or a self-run PgBouncer puts in front of a deployment.

It listens on a free loopback port, trusts its clients (the server behind it decides), and
accepts no startup parameter beyond the ones PgBouncer tracks itself, as a stock one does.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.processes import free_port

STARTS_WITHIN = 10.0
# A stock PgBouncer refuses to run as root: `-u` drops to another user after reading its files.
UNPRIVILEGED_USER = "nobody"


def pgbouncer_path() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None
    )


@dataclass(frozen=True)
class PgBouncer:
    port: int
    log: Path

    def url_for(self, database_url: str) -> str:
        """`database_url` (on the server behind this PgBouncer) reached through it instead."""
        direct = make_url(database_url)
        query = {k: v for k, v in direct.query.items() if k not in {"host", "port"}}
        through = direct.set(host="127.0.0.1", port=self.port, query=query)
        return through.render_as_string(hide_password=False)


def _server_host(server_url: str) -> str:
    """The host, or the socket directory of a unix-socket server (the embedded one's `?host=`)."""
    server = make_url(server_url)
    host = server.query.get("host") or server.host or "127.0.0.1"
    return host if isinstance(host, str) else host[0]


def _user_switch(host: str) -> list[str]:
    """Root's PgBouncer runs as the owner of the server's socket directory (the only user
    besides root who may reach a private one), else as nobody."""
    if os.geteuid() != 0:
        return []
    owner = Path(host).owner() if host.startswith("/") else "root"
    return ["-u", owner if owner != "root" else UNPRIVILEGED_USER]


def _config(server_url: str, port: int, users: Path) -> str:
    server = make_url(server_url)
    host = _server_host(server_url)
    return f"""\
[databases]
* = host={host} port={server.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {users}
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 10
idle_transaction_timeout = 60
"""


def _users(server_url: str) -> str:
    server = make_url(server_url)
    return f'"{server.username or "postgres"}" "{server.password or ""}"\n'


def _wait_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTS_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited {process.returncode}: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"pgbouncer not listening within {STARTS_WITHIN}s: {log.read_text()}")


@contextmanager
def running_pgbouncer(server_url: str, work_dir: Path) -> Iterator[PgBouncer]:
    """PgBouncer in front of `server_url`'s server, its files in `work_dir`, until the end."""
    binary = pgbouncer_path()
    if binary is None:
        raise RuntimeError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    work_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    users = work_dir / "users.txt"
    users.write_text(_users(server_url))
    ini = work_dir / "pgbouncer.ini"
    ini.write_text(_config(server_url, port, users))
    log = work_dir / "pgbouncer.log"
    as_user = _user_switch(_server_host(server_url))
    with log.open("wb") as output:
        process = subprocess.Popen([binary, *as_user, str(ini)], stdout=output, stderr=output)
    try:
        _wait_listening(process, port, log)
        yield PgBouncer(port, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
