"""The results as one table: each figure per system, its ratio to the bare SDK, and the target."""

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

SYSTEMS = ("raw_http", "openai_client", "bare_sdk", "sdk_todo_tools", "todo_chat",
           "todo_chat_pgbouncer")  # fmt: skip
HEADERS = ("figure", "raw HTTP", "openai client", "bare SDK", "SDK+our 5 MCP tools",
           "todo-chat", "via PgBouncer", "todo/SDK", "target")  # fmt: skip
RAMPS = ("hold", "hold_slow")
Row = dict[str, Any]
Add = Callable[..., None]
X = "x"  # ratio suffix


def machine() -> dict[str, Any]:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"nproc": os.cpu_count(), "cpu": model, "loadavg": list(os.getloadavg())}


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def held(level: dict[str, Any]) -> bool:
    """Every stream mid-answer at once, and inter-delta p99 within 2x the nominal gap."""
    together = level["streaming"] == level["streams"] and not level.get("failed")
    return bool(together and level["gap_p99_ms"] <= 2 * level["nominal_ms"])


def rows(results: dict[str, Any]) -> list[Row]:
    table: list[Row] = []

    def add(
        figure: str, unit: str, values: dict[str, Any], target: str = "", met: bool | None = None
    ) -> None:
        sdk, todo = values.get("bare_sdk"), values.get("todo_chat")
        ratio = todo / sdk if _num(sdk) and _num(todo) and sdk else None
        row = {"figure": figure, "unit": unit, **values, "todo_vs_sdk": ratio}
        table.append({**row, "target": target, "met": met})

    def each(path: str) -> dict[str, Any]:
        found = {s: _get(results, f"{s}.{path}") for s in SYSTEMS}
        return {s: v for s, v in found.items() if v is not None}

    for q, limit in (("p50", 3), ("p99", 10)):
        values = each(f"first_delta_ms.{q}")
        above = _diff(values)
        add(f"time to first delta {q}", "ms", values, f"<= SDK + {limit} ms",
            above is not None and above <= limit)  # fmt: skip
    add("text-only turn, end to end p50", "ms", each("text_turn_ms.p50"))
    add("tool turn, end to end p50", "ms", each("tool_turn_ms.p50"))
    add("tool turn, end to end p99", "ms", each("tool_turn_ms.p99"))
    for c in ("1", "16", "64"):
        values = each(f"turns_per_second.{c}")
        target: str = ""
        met: bool | None = None
        if c == "16":
            sdk, todo = values.get("bare_sdk"), values.get("todo_chat")
            target, met = "=> 0.75 SDK", bool(sdk and todo and todo >= 0.75 * sdk)
        add(f"tool turns/s at concurrency {c}", "1/s", values, target, met)
    _loaded_rows(each, add)
    for ramp in RAMPS:
        _hold_rows(results, ramp, add)
    _db_rows(results, add)
    _pooler_rows(results.get("pooler", {}), add)
    _bridge_rows(results.get("mcp_bridge", {}), add)
    return table


def _loaded_rows(each: Callable[[str], dict[str, Any]], add: Add) -> None:
    """c16 beside c64: what a growing number of clients costs each system, the SDK running
    our agent included (docs/performance.md, "From 16 to 64 clients")."""
    for c in ("16", "64"):
        add(f"tool turn under load p50, concurrency {c}", "ms",
            each(f"loaded_tool_turn_ms.{c}.p50"))  # fmt: skip
        add(f"tool turn under load p99, concurrency {c}", "ms",
            each(f"loaded_tool_turn_ms.{c}.p99"))  # fmt: skip
    for c in ("16", "64"):
        add(f"CPU per tool turn at concurrency {c} (server / SDK process)", "ms",
            each(f"cpu_ms_per_tool_turn_at.{c}"))  # fmt: skip
    for c in ("16", "64"):
        add(f"PostgreSQL CPU per tool turn at concurrency {c}", "ms",
            each(f"database_per_tool_turn.{c}.postgres_cpu_ms"))  # fmt: skip
    for c in ("16", "64"):
        add(f"DB connections opened per tool turn at concurrency {c}", "conns",
            each(f"database_per_tool_turn.{c}.connections_opened"))  # fmt: skip
    at_16, at_64 = each("turns_per_second.16"), each("turns_per_second.64")
    kept = {s: rate / at_16[s] for s, rate in at_64.items() if _num(at_16.get(s)) and at_16[s]}
    add("turns/s kept from concurrency 16 to 64", "ratio", kept)


def _hold_rows(results: dict[str, Any], ramp: str, add: Add) -> None:
    systems = {
        s: results[s][ramp] for s in ("bare_sdk", "todo_chat") if results.get(s, {}).get(ramp)
    }
    if not systems:
        return
    tps = 1000 / next(iter(systems.values()))[0]["nominal_ms"]
    most = {s: max((lv["streams"] for lv in levels if held(lv)), default=0)
            for s, levels in systems.items()}  # fmt: skip
    target: str = ""
    met: bool | None = None
    if ramp == "hold":
        target, met = ">= 1000", most.get("todo_chat", 0) >= 1000
    add(f"open streams held at {tps:g} tok/s (p99 gap <= 2x nominal)", "streams", most,
        target, met)  # fmt: skip
    for streams in sorted({lv["streams"] for levels in systems.values() for lv in levels}):
        at = {s: lv for s, levels in systems.items() for lv in levels if lv["streams"] == streams}
        label = f"  {streams} streams at {tps:g} tok/s:"
        add(f"{label} inter-delta p99", "ms", {s: lv["gap_p99_ms"] for s, lv in at.items()})
        add(f"{label} CPU per delta", "us", {s: lv["cpu_us_per_delta"] for s, lv in at.items()})
        kb = {s: lv["rss_kib_per_stream"] * 1.024 for s, lv in at.items()
              if lv["rss_kib_per_stream"] is not None}  # fmt: skip
        all_open = "todo_chat" in at and at["todo_chat"]["streaming"] == streams
        mem_target: str = ""
        mem_met: bool | None = None
        if streams == 1000 and all_open and "todo_chat" in kb:
            mem_target, mem_met = "<= 150 KB", kb["todo_chat"] <= 150
        if kb:
            add(f"{label} RSS per open stream", "KB", kb, mem_target, mem_met)
        todo = at.get("todo_chat")
        if todo:
            add(f"{label} streams mid-answer together", "streams",
                {s: lv["streaming"] for s, lv in at.items()})  # fmt: skip
            add(f"{label} DB connections active/in transaction", "conns",
                {"todo_chat": todo["connections_held_max"]}, "0",
                todo["connections_held_max"] == 0)  # fmt: skip
            add(f"{label} DB transactions during the window", "tx",
                {"todo_chat": todo["transactions_in_window"]})  # fmt: skip


def _db_rows(results: dict[str, Any], add: Add) -> None:
    db = results.get("database")
    if not db:
        return
    turns = db["statements_per_turn"]
    before = turns["text"]["before_model"]
    add("DB statements before the model (new conversation)", "stmts",
        {"todo_chat": before["SQL"]}, "<= 3", before["SQL"] <= 3)  # fmt: skip
    followup = turns["followup"]["before_model"]
    add("DB statements before the model (existing conversation)", "stmts",
        {"todo_chat": followup["SQL"]}, "<= 3", followup["SQL"] <= 3)  # fmt: skip
    add("  + BEGIN / COMMIT / pre-ping before the model", "round trips",
        {"todo_chat": _tx(before)})  # fmt: skip
    between = turns["tool"]["between_model_calls"]
    add("DB statements per tool call", "stmts", {"todo_chat": between["SQL"]}, "1",
        between["SQL"] <= 1)  # fmt: skip
    add("  + BEGIN / COMMIT / pre-ping per tool call", "round trips",
        {"todo_chat": _tx(between)})  # fmt: skip
    after = turns["tool"]["after_model"]
    add("DB statements after the model (store answer)", "stmts", {"todo_chat": after["SQL"]})
    add("  + BEGIN / COMMIT / pre-ping after the model", "round trips",
        {"todo_chat": _tx(after)})  # fmt: skip
    checked = db["pool_checked_out_while_streaming"]
    add("pool connections checked out, 100 streams mid-answer", "conns",
        {"todo_chat": checked}, "0", checked == 0)  # fmt: skip
    active = db["connections_held_while_streaming_in_process"]
    add("  pg_stat_activity active/in transaction, same moment", "conns",
        {"todo_chat": active}, "0", active == 0)  # fmt: skip


def _pooler_rows(pooler: dict[str, Any], add: Add) -> None:
    """todo-chat directly and via PgBouncer, measured in alternation (tests/bench/pooler.py)."""
    for figure, path, unit in (
        ("time to first delta p50", "first_delta_ms.p50", "ms"),
        ("time to first delta p99", "first_delta_ms.p99", "ms"),
        ("tool turn, end to end p50", "tool_turn_ms.p50", "ms"),
        ("tool turns/s at concurrency 16", "turns_per_second.16", "1/s"),
    ):
        values = {s: _get(pooler, f"{s}.{path}") for s in ("todo_chat", "todo_chat_pgbouncer")}
        if None not in values.values():
            add(f"PgBouncer A/B: {figure}", unit, values)


def _bridge_rows(bridge: dict[str, Any], add: Add) -> None:
    for kind, label in (("db", "add_task on PostgreSQL"), ("plain", "trivial tool, no DB")):
        if f"{kind}_bridge_us" not in bridge:
            continue
        add(f"MCP bridge call, {label}", "us", {"todo_chat": bridge[f"{kind}_bridge_us"]})
        add("  same work called directly", "us", {"todo_chat": bridge[f"{kind}_direct_us"]})
        add("  bridge overhead per call", "us", {"todo_chat": bridge[f"{kind}_overhead_us"]})


def _tx(counts: dict[str, float]) -> float:
    # A pre-ping on asyncpg is BEGIN + ";" + ROLLBACK: three round trips.
    return counts["BEGIN"] + counts["COMMIT"] + counts["ROLLBACK"] + 3 * counts["PING"]


def _diff(values: dict[str, Any]) -> float | None:
    sdk, todo = values.get("bare_sdk"), values.get("todo_chat")
    if isinstance(sdk, int | float) and isinstance(todo, int | float) and _num(sdk - todo):
        return float(todo - sdk)
    return None


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not math.isnan(value)


def _cell(value: Any, sdk: Any, system: str) -> str:
    if value is None:
        return ""
    if not _num(value):
        return str(value)
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    if system in ("raw_http", "openai_client", "sdk_todo_tools") and _num(sdk) and sdk:
        text += f" ({value / sdk:.2f}{X})"
    return text


def render(table: list[Row], info: dict[str, Any]) -> str:
    lines = [[*HEADERS, "met"]]
    for row in table:
        ratio = row["todo_vs_sdk"]
        cells = [f"{row['figure']} ({row['unit']})"]
        cells += [_cell(row.get(s), row.get("bare_sdk"), s) for s in SYSTEMS]
        cells += [f"{ratio:.2f}{X}" if ratio is not None else "", row["target"]]
        cells += [{True: "yes", False: "NO", None: ""}[row["met"]]]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for index, line in enumerate(lines):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells))
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    load = ", ".join(f"{x:.2f}" for x in info["loadavg"])
    before = ", ".join(f"{x:.2f}" for x in info.get("load_before", []))
    out.append(
        f"\n{info['nproc']} CPUs, {info['cpu']}; load average {load} at the end "
        f"({before} at the start); Python {info['python']}; {info['seconds']} s"
    )
    return "\n".join(out)
