"""What every broker offers, whatever keeps the state."""

from typing import Protocol


class Broker(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        """Count one event under `key` in a sliding window of `window_seconds`.

        Returns None when it is admitted (and counted), else the seconds until the oldest
        counted event leaves the window (a refused event is not counted). Raises
        `BrokerUnavailable` when the shared state cannot be reached.
        """
        ...

    async def ready(self) -> bool:
        """Whether the shared state answers right now (readiness)."""
        ...

    async def close(self) -> None: ...
