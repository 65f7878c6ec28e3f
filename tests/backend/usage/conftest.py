"""Fixtures of the usage tests: the offline app's `client`, seen as alice or bob."""

import httpx
import pytest

from tests.backend.conversations.chatting import Chat
from tests.tokens import AuthHeaders


@pytest.fixture
def alice(client: httpx.AsyncClient, auth: AuthHeaders) -> Chat:
    return Chat(client, auth("alice"), "alice")


@pytest.fixture
def bob(client: httpx.AsyncClient, auth: AuthHeaders) -> Chat:
    return Chat(client, auth("bob"), "bob")
