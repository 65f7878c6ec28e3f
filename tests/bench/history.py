"""History bounded by tokens (issue 22): a 200-turn conversation whose every turn listed 20
tasks, replayed as today (the last CHAT_HISTORY_MESSAGES rows), with no bound at all, and
with CHAT_HISTORY_TOKENS on top. Per turn: the input tokens of the history (estimated as the
app estimates them, agent/tokens.py) and the time to build it (agent/history.py)."""

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from agent.history import to_input_items
from agent.tokens import item_tokens

TURNS = 200
TASKS_PER_RESULT = 20
AT_TURNS = (10, 50, 100, 200)
HISTORY_MESSAGES = 40  # CHAT_HISTORY_MESSAGES' default
HISTORY_TOKENS = 12_000  # CHAT_HISTORY_TOKENS' default
REPEATS = 50


@dataclass
class Row:
    role: str
    content: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


def _task(turn: int, n: int) -> dict[str, Any]:
    return {"id": turn * 100 + n, "title": f"Call the plumber about the sink, take {n}",
            "description": None, "completed": False, "priority": "medium", "tags": ["home"],
            "due_at": "2026-03-12T17:00:00+01:00", "recurrence": None}  # fmt: skip


def conversation() -> list[Row]:
    rows: list[Row] = []
    for turn in range(TURNS):
        output = {"tasks": [_task(turn, n) for n in range(TASKS_PER_RESULT)], "total": 20}
        call = {"id": f"call_{turn}", "name": "list_tasks", "arguments": {"status": "pending"},
                "output": output, "is_error": False}  # fmt: skip
        rows.append(Row("user", "What's still pending this week?"))
        rows.append(Row("assistant", "You have 20 pending tasks: …", [call]))
    return rows


def _per_turn(rows: list[Row], turn: int, bound: int | None, window: int | None) -> Any:
    stored = rows[: 2 * (turn - 1)]
    history = stored[-window:] if window else stored
    return to_input_items(history, "Delete the third one", max_tokens=bound)


def _build_us(rows: list[Row], turn: int, bound: int | None, window: int | None) -> float:
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        _per_turn(rows, turn, bound, window)
        samples.append((time.perf_counter() - started) * 1e6)
    return round(statistics.median(samples), 1)


def measure() -> dict[str, Any]:
    rows = conversation()
    ways = {"unbounded": (None, None), "messages": (None, HISTORY_MESSAGES),
            "tokens": (HISTORY_TOKENS, HISTORY_MESSAGES)}  # fmt: skip
    results: dict[str, Any] = {}
    for name, (bound, window) in ways.items():
        results[name] = {
            str(turn): {
                "input_tokens": sum(map(item_tokens, _per_turn(rows, turn, bound, window))),
                "build_us": _build_us(rows, turn, bound, window),
            }
            for turn in AT_TURNS
        }
    return results


def render(results: dict[str, Any]) -> str:
    lines = [f"{'history':<44}" + "".join(f"{f'turn {t}':>14}" for t in AT_TURNS)]
    labels = {"unbounded": "every stored message",
              "messages": f"last {HISTORY_MESSAGES} messages (before issue 22)",
              "tokens": f"+ {HISTORY_TOKENS} tokens (CHAT_HISTORY_TOKENS)"}  # fmt: skip
    for name, label in labels.items():
        tokens = [results[name][str(t)]["input_tokens"] for t in AT_TURNS]
        build = [results[name][str(t)]["build_us"] for t in AT_TURNS]
        lines.append(f"{label + ', tokens':<44}" + "".join(f"{v:>14,}" for v in tokens))
        lines.append(f"{'  time to build (µs, median)':<44}" + "".join(f"{v:>14}" for v in build))
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(measure()))
