"""What the offline model knows of the turn: read back from the system instructions, as an LLM
would read them (agent/instructions.py writes them: the user's current time with its zone,
and the per-turn tool limits). Without them: UTC now and the default limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from agent.models import linear

_NOW = linear.compile(r"current time: (\S{1,40}) in ([A-Za-z0-9_+\-/]{1,64})\)")
_LIMITS = linear.compile(r"at most (\d{1,4}) tool calls and (\d{1,4}) deletions")


@dataclass(frozen=True)
class Situation:
    now: datetime
    """Aware, in the user's zone."""
    max_calls: int = 12
    max_deletions: int = 3


def read_situation(instructions: str | None) -> Situation:
    text = instructions or ""
    now = datetime.now(UTC)
    if match := _NOW.search(text):
        try:
            now = datetime.fromisoformat(match.group(1)).astimezone(ZoneInfo(match.group(2)))
        except (ValueError, KeyError):
            pass
    if match := _LIMITS.search(text):
        return Situation(now, int(match.group(1)), int(match.group(2)))
    return Situation(now)
