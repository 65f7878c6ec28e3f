"""The app's metrics: one set per process, on prometheus-client's default registry.

With several worker processes (`todo-chat serve --workers N`), prometheus-client's
multiprocess mode keeps each process's values in files under PROMETHEUS_MULTIPROC_DIR and
GET /metrics adds them up (backend/metrics/route.py); `serve` sets that directory up itself.
Gauges say how they combine across processes (`livesum`: the sum over live processes).
"""

from prometheus_client import Counter, Gauge, Histogram

PREFIX = "todo_chat"

REQUESTS = Counter(
    f"{PREFIX}_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
RUNS_ACTIVE = Gauge(f"{PREFIX}_runs_active", "Chat runs in progress.", multiprocess_mode="livesum")
RUN_SECONDS = Histogram(
    f"{PREFIX}_run_duration_seconds",
    "How long chat runs took, from the stored message to the stored answer.",
    buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160),
)
FIRST_DELTA_SECONDS = Histogram(
    f"{PREFIX}_first_delta_seconds",
    "Time from the start of a run to its first piece of answer text.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
TOOL_CALLS = Counter(
    f"{PREFIX}_tool_calls",
    "Tool calls made by the agent, by tool and outcome.",
    ["tool", "outcome"],
)
MODEL_ERRORS = Counter(
    f"{PREFIX}_model_errors", "Chat runs that failed, by kind (the error code).", ["kind"]
)
TOKENS = Counter(
    f"{PREFIX}_tokens", "Model tokens reported by the provider, by direction.", ["direction"]
)
BROKER_ERRORS = Counter(f"{PREFIX}_broker_errors", "Requests failed: the broker (Redis) was down.")
DATABASE_ERRORS = Counter(
    f"{PREFIX}_database_errors", "Requests failed: the database was down or broke."
)
FEED_SUBSCRIBERS = Gauge(
    f"{PREFIX}_feed_subscribers", "Open live-feed streams.", multiprocess_mode="livesum"
)
