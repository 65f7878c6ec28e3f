"""Taking over a run whose server died: what it wrote is stored, its viewers are told.

The run's log in the broker holds everything the dead server announced. The answer so far
(the text, and the tool calls that returned) is stored as the assistant message with status
"failed" and error `run_lost`, releasing the claim in the same statement; only one server
wins that (the statement needs the claim still held by the run). The winner then appends
`error` `run_lost` to the run's log, so every stream attached to it, on any process, ends.
"""

import logging
from dataclasses import dataclass

from backend.broker.base import Broker, LoggedEvent
from backend.conversations import wire
from backend.conversations.so_far import AnswerSoFar
from backend.conversations.store import ConversationStore
from backend.db.engine import SessionMaker
from backend.http.errors import BrokerUnavailable
from backend.runs.ref import RunRef
from backend.runs.viewer import RUN_LOST, reading

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LostRun:
    """A claim whose server is gone."""

    conversation_pk: int
    ref: RunRef


async def take_over(
    sessionmaker: SessionMaker, broker: Broker, lost: LostRun, resume_seconds: float
) -> bool:
    """Store the lost run's answer so far as failed and end its log; False when another
    server took it over first (or it ended meanwhile)."""
    so_far, last_seq, ended = await _answer_so_far(broker, lost.ref)
    error = {"code": RUN_LOST.code, "detail": RUN_LOST.detail}
    async with sessionmaker.begin() as session:
        stored = await ConversationStore(session, lost.ref.owner).finish_turn(
            lost.conversation_pk,
            lost.ref.run,
            so_far.text,
            so_far.tool_calls,
            "failed",
            error=error,
        )
    if stored is None:
        return False
    log.warning(
        "run taken over from a server that is gone",
        extra={"user_id": lost.ref.owner, "conversation_id": lost.ref.conversation},
    )
    if not ended:
        await _end_log(broker, lost.ref, last_seq + 1, resume_seconds)
    return True


async def _answer_so_far(broker: Broker, ref: RunRef) -> tuple[AnswerSoFar, int, bool]:
    """What the log holds of the answer, its last seq, and whether it already ended."""
    so_far, last_seq, ended = AnswerSoFar(), 0, False
    try:
        async with reading(broker.follow(ref.key, 0, 0.0)) as events:
            async for logged in events:
                last_seq = logged.seq
                event = wire.from_log(logged.name, logged.data)
                ended = wire.is_final(event)
                so_far.add(event)
    except BrokerUnavailable:
        log.warning("a lost run's log is unreadable: its answer is stored empty")
    return so_far, last_seq, ended


async def _end_log(broker: Broker, ref: RunRef, seq: int, resume_seconds: float) -> None:
    name, data = wire.to_log(RUN_LOST)
    try:
        await broker.append(ref.key, LoggedEvent(seq, name, data))
        await broker.forget_after(ref.key, resume_seconds)
    except BrokerUnavailable:
        log.warning("a lost run's viewers not told: the broker is unavailable")
