"""A finished turn waits out a full connection pool to store its answer: many runs ending at
once (a stop storm, a burst of answers) can hold every connection for longer than one pool
wait, and the answer must not be lost to that."""

import logging

import pytest
from sqlalchemy import text

from backend.settings import Settings
from tests.backend.runs.helpers import DEADLINE, live
from tests.fakes.openai_server import FakeConfig
from tests.polling import eventually
from tests.tokens import AuthHeaders

WAITING = "answer not stored yet: no database connection free"


async def test_an_answer_is_stored_once_a_connection_frees_up(
    settings: Settings, auth: AuthHeaders, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="backend.conversations.chat")
    provider = FakeConfig(ttft_seconds=0.5, reply_words=3)
    pool = {"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 0.3}
    async with live(settings, auth, provider, **pool) as app:
        viewer = app.chat("hello")
        await viewer.until(1, "conversation")
        async with app.app.state.services.engine.connect() as held:  # the pool's only one
            await held.execute(text("SELECT 1"))

            async def waiting() -> bool:
                return any(WAITING in record.getMessage() for record in caplog.records)

            await eventually(waiting, DEADLINE, "the answer waits for a connection")
        await viewer.finished()
        done = viewer.events[-1]
        assert done.name == "done", viewer.names
        assert done.data["status"] == "completed"
        stored = (await app.messages(done.data["conversation_id"]))[-1]
        assert (stored["role"], stored["content"]) == ("assistant", done.data["response"])
