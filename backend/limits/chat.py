"""Per-user chat limits shared by every worker and replica (docs/api.md §14).

Messages per minute are counted through the broker (`hit`: in memory, or in Redis when
REDIS_URL is set), so N workers do not allow N times the limit. Answers at once are counted
as runs in progress in PostgreSQL when a run starts (backend/conversations/chat.py): runs
outlive the requests that start them, so open requests would undercount.
"""

from backend.broker.base import Broker
from backend.http.errors import TooManyRequests
from backend.limits.rate import seconds_to_wait


async def admit_chat_message(broker: Broker, user_id: str, per_minute: int) -> None:
    """Count one chat message for the user, or raise 429 with the seconds to wait."""
    wait = await seconds_to_wait(broker, f"chat-messages:{user_id}", per_minute)
    if wait is not None:
        raise TooManyRequests(wait)
