"""The runs figures as a second table: each figure with the in-memory broker and with Redis,
the difference, and the target (issue 9 point 9; docs/performance.md, "Runs and Redis")."""

import math
from typing import Any

HEADERS = ("figure", "in memory", "Redis", "Redis - memory", "target", "met")
Row = dict[str, Any]


def rows(runs: dict[str, Any]) -> list[Row]:
    table: list[Row] = []

    def add(figure: str, values: dict[str, Any], target: str = "", met: bool | None = None) -> None:
        table.append({"figure": figure, **values, "target": target, "met": met})

    if "first_delta_ms" in runs:
        first = runs["first_delta_ms"]
        for q in ("p50", "p99"):
            values = {s: first[s][q] for s in ("memory", "redis")}
            if q == "p50":
                add(f"time to first delta {q} (ms)", values, "Redis <= memory + 1 ms",
                    _diff(values) <= 1)  # fmt: skip
            else:
                add(f"time to first delta {q} (ms)", values)
    if "tool_turns" in runs:
        turns = runs["tool_turns"]
        cpu = {s: turns[s]["cpu_ms"] for s in ("memory", "redis")}
        add("CPU per tool turn at concurrency 16, server (ms)", cpu, "Redis <= memory + 10 %",
            cpu["redis"] <= 1.10 * cpu["memory"])  # fmt: skip
        add("  + redis-server's own CPU per tool turn (ms)",
            {"redis": turns["redis"]["redis_cpu_ms"]})  # fmt: skip
        add("  Redis commands per tool turn", {"redis": turns["redis"]["redis_commands"]})
        add("  tool turns/s at concurrency 16",
            {s: turns[s]["turns_per_second"] for s in ("memory", "redis")})  # fmt: skip
    if "attach_first_event_ms" in runs:
        attach = runs["attach_first_event_ms"]
        add("attach with Last-Event-ID to first replayed event p50 (ms)",
            {s: attach[s]["p50"] for s in attach}, "<= 5 ms",
            attach["redis"]["p50"] <= 5)  # fmt: skip
        add("  p99 (ms)", {s: attach[s]["p99"] for s in attach})
        stop = runs["stop_to_done_ms"]
        add("POST stop to the viewer's done p50 (ms)", {s: stop[s]["p50"] for s in stop})
        add("  p99 (ms)", {s: stop[s]["p99"] for s in stop}, "<= 2000 ms",
            stop["redis"]["p99"] <= 2000)  # fmt: skip
    if "run_lost_after_kill_s" in runs:
        lost = runs["run_lost_after_kill_s"]
        add("run lost after a kill: SIGKILL to the other replica's run_lost (s)",
            {"redis": lost}, "<= 15 s", lost <= 15)  # fmt: skip
    if "hold" in runs:
        hold = runs["hold"]
        n, nominal = hold["redis"]["streams"], hold["redis"]["nominal_ms"]
        add(f"{n} open streams at {1000 / nominal:g} tok/s: mid-answer together",
            {s: level["streaming"] for s, level in hold.items()})  # fmt: skip
        kb = {s: lv["rss_kib_per_stream"] * 1.024 for s, lv in hold.items()
              if lv.get("rss_kib_per_stream") is not None}  # fmt: skip
        add("  worker RSS per open stream (KB)", kb, "<= 150 KB", kb.get("redis", math.inf) <= 150)
        add("  inter-delta p99 (ms)", {s: lv["gap_p99_ms"] for s, lv in hold.items()},
            f"<= 2x {nominal:g} ms", hold["redis"]["gap_p99_ms"] <= 2 * nominal)  # fmt: skip
        add("  CPU per delta (us)", {s: lv["cpu_us_per_delta"] for s, lv in hold.items()})
        if "redis_used_kib_per_run" in runs:
            add("  Redis memory per run's kept log (KB)",
                {"redis": runs["redis_used_kib_per_run"] * 1.024})  # fmt: skip
    return table


def _diff(values: dict[str, float]) -> float:
    return values["redis"] - values["memory"]


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def render(table: list[Row]) -> str:
    lines = [list(HEADERS)]
    for row in table:
        memory, redis = row.get("memory"), row.get("redis")
        difference = redis - memory if memory is not None and redis is not None else None
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        lines.append([row["figure"], _cell(memory), _cell(redis), _cell(difference),
                      row["target"], met])  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]
    out = []
    for index, line in enumerate(lines):
        cells = zip(line, widths, strict=True)
        out.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(cells)))
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
