"""The test suite's signing secret and the shapes of the token fixtures (`make_token`, `auth`
in tests/conftest.py)."""

from collections.abc import Callable

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"

# make_token(user_id, ttl="1h", secret=TEST_SECRET) -> a signed JWT
TokenFactory = Callable[..., str]
# auth(user_id) -> {"Authorization": "Bearer …"}
AuthHeaders = Callable[[str], dict[str, str]]
