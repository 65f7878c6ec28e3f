"""Small statistics helpers: percentiles and a latency summary."""

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p99/mean in milliseconds."""
    if not seconds:
        return {"p50": math.nan, "p99": math.nan, "mean": math.nan, "n": 0}
    return {
        "p50": percentile(seconds, 50) * 1000,
        "p99": percentile(seconds, 99) * 1000,
        "mean": sum(seconds) / len(seconds) * 1000,
        "n": len(seconds),
    }
