"""The runs of this process, and the one way to start, watch and stop any run.

`start` claims the conversation and stores the user's message (`begin_turn`), logs the
`conversation` event, then starts the run as a task owned by this registry, not by the
request. `follow` is how every viewer watches a run; `attach` finds what a reconnecting
client should see; `stop` asks the run's owner, wherever it is, to stop. PostgreSQL says
which run a conversation has in progress, so any process can attach to or stop it.
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from backend.conversations import wire
from backend.conversations.branching import begin_version
from backend.conversations.chat import Decide, Turn, begin_resume, begin_retry, begin_turn
from backend.conversations.store import ConversationStore
from backend.http.errors import ConversationNotFound
from backend.idempotency.store import StoredResponse
from backend.runs import viewer
from backend.runs.owner import LogWriter, RunDeps, drive
from backend.runs.ref import RunRef
from backend.runs.servers import Servers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Owned:
    task: "asyncio.Task[None]"
    stop: asyncio.Event


class Runs:
    def __init__(self, deps: RunDeps, servers: Servers | None = None) -> None:
        self._deps = deps
        self._servers = servers
        self._owned: dict[uuid.UUID, _Owned] = {}

    async def start(
        self,
        owner: str,
        conversation_id: int | None,
        message: str,
        idempotency_key: str | None = None,
        *,
        timezone: str = "UTC",
        source: str = "chat",
    ) -> RunRef | StoredResponse:
        """Start a run for the message, or return the stored answer of a replayed key."""
        deps = self._deps
        turn = await begin_turn(
            deps.sessionmaker,
            deps.runtime,
            owner,
            conversation_id,
            message,
            idempotency_key,
            timezone=timezone,
            source=source,
            server=deps.server,
        )
        if isinstance(turn, StoredResponse):
            return turn
        return await self._run(turn)

    async def resume(self, owner: str, conversation_id: int, decide: Decide) -> tuple[RunRef, int]:
        """Decide waiting tool calls and resume the paused run as a new run of this process,
        watched, stopped and limited like any other: the run, and its answer's number."""
        deps = self._deps
        turn, answer_number = await begin_resume(
            deps.sessionmaker, deps.runtime, owner, conversation_id, decide, server=deps.server
        )
        return await self._run(turn), answer_number

    async def retry(
        self, owner: str, conversation: int, message: int, *, timezone: str = "UTC"
    ) -> RunRef:
        """Start a run answering the person's last message again, in place of what followed
        it (docs/api.md, "Retry"). Raises the errors of a new message, and
        MessageNotRetryable."""
        deps = self._deps
        turn = await begin_retry(
            deps.sessionmaker,
            deps.runtime,
            owner,
            conversation,
            message,
            timezone=timezone,
            server=deps.server,
        )
        return await self._run(turn)

    async def version(
        self,
        owner: str,
        conversation: int,
        message: int,
        *,
        edit: str | None,
        undo_changes: bool,
        timezone: str = "UTC",
    ) -> RunRef:
        """Start a run answering a new version: of answer `message` (regenerate), or of the
        person's message `message` with the text `edit` (docs/api.md "Versions")."""
        deps = self._deps
        turn = await begin_version(
            deps.sessionmaker,
            deps.runtime,
            owner,
            conversation,
            message,
            edit=edit,
            undo_changes=undo_changes,
            timezone=timezone,
            server=deps.server,
        )
        return await self._run(turn)

    async def _run(self, turn: Turn) -> RunRef:
        deps = self._deps
        owner = turn.owner
        ref = RunRef(owner, turn.start.conversation_number, turn.run_id)
        events = LogWriter(deps.broker, ref)
        # Logged before the task starts: a viewer that follows from now on finds the log.
        await events.append(turn.started)
        stop = asyncio.Event()
        task = asyncio.create_task(drive(deps, ref, turn, events, stop), name=f"run {ref.key}")
        self._owned[ref.run] = _Owned(task, stop)
        task.add_done_callback(lambda _: self._owned.pop(ref.run, None))
        return ref

    def follow(self, ref: RunRef, after: int = 0) -> AsyncIterator[wire.Viewed]:
        return viewer.follow(self._deps.broker, ref, self._alive, after)

    async def attach(
        self, owner: str, conversation: int, last_event_id: str | None
    ) -> AsyncIterator[wire.Viewed] | None:
        """What a (re)connecting client should see: the events after `last_event_id` while
        its run is kept, else the conversation's running run from its first event; None when
        there is nothing to serve. Raises ConversationNotFound."""
        resumed = wire.parse_event_id(last_event_id)
        if resumed is not None:
            ref = RunRef(owner, conversation, resumed[0])
            final = await viewer.last_seen_was_final(self._deps.broker, ref, resumed[1])
            if final is not None:
                return None if final else self.follow(ref, resumed[1])
        running = await self._running_run(owner, conversation)
        return None if running is None else self.follow(running)

    async def stop(self, owner: str, conversation: int) -> bool:
        """Ask the conversation's running run to stop (a run whose server is gone is taken
        over at once); False when none is running. Raises ConversationNotFound."""
        ref = await self._running_run(owner, conversation)
        if ref is None:
            return False
        if ref.run not in self._owned and self._servers is not None:
            if await self._servers.take_over_lost((owner, conversation)):
                return True
        await self.request_stop(ref)
        return True

    async def request_stop(self, ref: RunRef) -> None:
        owned = self._owned.get(ref.run)
        if owned is not None:
            owned.stop.set()  # no round trip through the broker for a run of ours
            return
        await self._deps.broker.request_stop(ref.key)

    async def shutdown(self, grace_seconds: float) -> None:
        """Stop every run of this process and give them `grace_seconds` to store what they
        have (as stopped); cancel whatever is still going after that."""
        owned = list(self._owned.values())
        for run in owned:
            run.stop.set()
        if not owned:
            return
        tasks = [run.task for run in owned]
        _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        log.info("runs stopped at shutdown: %d (%d cancelled)", len(owned), len(pending))

    async def _running_run(self, owner: str, conversation: int) -> RunRef | None:
        deps = self._deps
        async with deps.sessionmaker() as session:
            store = ConversationStore(session, owner, stale_after=deps.runtime.stale_after)
            record = await store.get(conversation)
        if record is None:
            raise ConversationNotFound()
        return None if record.run_id is None else RunRef(owner, conversation, record.run_id)

    async def _alive(self, ref: RunRef) -> bool:
        owned = self._owned.get(ref.run)
        if owned is not None:
            return not owned.task.done()
        deps = self._deps
        async with deps.sessionmaker() as session:
            store = ConversationStore(session, ref.owner, stale_after=deps.runtime.stale_after)
            return await store.run_holds(ref.conversation, ref.run)
