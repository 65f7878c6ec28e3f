"""Metrics for `todo-chat serve`: several workers, and METRICS_PORT.

Workers are separate processes, each with its own counters. When metrics are configured,
`serve` gives them prometheus-client's multiprocess mode: a fresh PROMETHEUS_MULTIPROC_DIR
(set before any worker imports prometheus-client), where every process writes its values and
from which GET /metrics, or the METRICS_PORT listener, adds them up. The directory is made
anew at each start and removed at exit, as prometheus-client requires.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from backend.settings import Settings

# Read by prometheus-client when it is imported: nothing here imports it before setting it.
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def multiprocess_metrics(settings: Settings) -> Iterator[None]:
    if settings.metrics_token is None and settings.metrics_port is None:
        yield
        return
    if os.environ.get(MULTIPROC_DIR):  # the operator's own: they keep it clean
        yield
        return
    directory = tempfile.mkdtemp(prefix="todo-chat-metrics-")
    os.environ[MULTIPROC_DIR] = directory
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def start_metrics_port(settings: Settings, host: str) -> None:
    """Serve every worker's metrics on METRICS_PORT (no token: keep the port private),
    from this supervising process."""
    if settings.metrics_port is None:
        return
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(settings.metrics_port, addr=host, registry=registry)
