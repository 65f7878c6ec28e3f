"""An answer the database was away for: the run keeps what it had and stores it as failed
(`database_unavailable`) once PostgreSQL answers again, releasing the conversation's claim.

Without this the claim outlives the run while its server lives on: the conversation says it
is still answering, and every message to it is `409 conversation_busy` until a restart."""

import asyncio
import logging
import time

from agent.events import Failed
from backend.conversations.chat import Turn, store_failure
from backend.conversations.so_far import AnswerSoFar
from backend.db.engine import SessionMaker, database_unavailable

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
# Past this the claim is left to a takeover (after this server's death) or a restart.
PATIENCE_SECONDS = 600.0


async def store_when_back(
    sessionmaker: SessionMaker, turn: Turn, failed: Failed, so_far: AnswerSoFar
) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    about = {"user_id": turn.owner, "conversation_id": turn.start.conversation_number}
    while time.monotonic() < deadline:
        await asyncio.sleep(RETRY_SECONDS)
        try:
            await store_failure(sessionmaker, turn, turn.started, failed, so_far)
        except Exception as error:
            # Part of the run's boundary (owner.drive): anything else is a bug, logged once.
            if not database_unavailable(error):
                log.exception("answer not stored after the database came back", extra=about)
                return
            continue
        log.info("answer stored once the database was back", extra=about)
        return
    log.warning("answer not stored: the database stayed unavailable", extra=about)
