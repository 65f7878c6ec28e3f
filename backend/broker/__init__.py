"""Shared state between the workers and replicas of one deployment.

`Broker` is the one interface; `memory.MemoryBroker` serves a single process (no `REDIS_URL`),
`redis.RedisBroker` any number of them. Nothing outside this package imports redis.
"""
