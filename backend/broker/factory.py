"""The broker a deployment's settings ask for."""

from backend.broker.base import Broker
from backend.broker.memory import MemoryBroker
from backend.broker.redis import RedisBroker


def build_broker(redis_url: str | None, key_prefix: str = "todo-chat:") -> Broker:
    return RedisBroker(redis_url, prefix=key_prefix) if redis_url else MemoryBroker()
