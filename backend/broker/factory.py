"""The broker a deployment's settings ask for."""

from backend.broker.base import Broker
from backend.broker.memory import MemoryBroker
from backend.broker.redis import RedisBroker


def build_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else MemoryBroker()
