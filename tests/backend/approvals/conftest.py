"""Fixtures of the confirmation tests: the offline app's `client`, seen as alice or bob."""

from tests.backend.conversations.conftest import alice, bob

__all__ = ["alice", "bob"]
