"""A new version of an answer (regenerate) or of the person's message (edit), docs/api.md
"Versions": claimed like a retry, after the replaced answers' changes are undone when the
person asked for that (all or none, §19), or listed as the changes that stay."""

import uuid
from typing import Any

from agent.approvals import DECLINED_OUTPUT
from backend.activity.record import REST
from backend.activity.schemas import EntryOut
from backend.activity.store import ActivityStore, Entry
from backend.activity.undo import undo
from backend.approvals.store import ApprovalStore
from backend.conversations.chat import ChatRuntime, Turn
from backend.conversations.records import MessageRecord
from backend.conversations.store import ConversationStore
from backend.db.engine import SessionMaker


async def begin_version(
    sessionmaker: SessionMaker,
    runtime: ChatRuntime,
    owner: str,
    conversation_id: int,
    message_id: int,
    *,
    edit: str | None,
    undo_changes: bool,
    timezone: str = "UTC",
    server: uuid.UUID | None = None,
) -> Turn:
    """Claim the conversation for a new version of message `message_id` (an answer, or with
    `edit` the person's message) and put it on the chosen branch. Raises the errors of a new
    message, MessageNotFound, and with `undo_changes` those of an undo."""
    run_id = uuid.uuid4()
    async with sessionmaker.begin() as session:
        # Tool calls still waiting for the person are declined, as by any new message.
        await ApprovalStore(session, owner).decline_waiting(conversation_id, DECLINED_OUTPUT)
        store = ConversationStore(session, owner, stale_after=runtime.stale_after)
        branching = await store.claim_branch(
            conversation_id,
            message_id,
            run_id,
            edit=edit,
            max_runs=runtime.max_runs_per_user,
            server=server,
        )
        activity = ActivityStore(session, owner)
        standing: list[Entry] = []
        for answer in branching.replaced_answers:
            entries = await activity.lock_message(conversation_id, answer)
            standing += [entry for entry in entries if entry.undone_by is None]
        standing.sort(key=lambda entry: entry.number, reverse=True)
        undone: list[Entry] = []
        if undo_changes and standing:
            undone = await undo(session, owner, standing, REST)
        start = await store.start_branch(branching, history_limit=runtime.history_limit)
    kept = [] if undo_changes else standing
    return Turn(
        owner,
        branching.question,
        run_id,
        start,
        None,
        timezone,
        kept_changes=[_wire(entry) for entry in kept],
        undone=[_wire(entry) for entry in undone] if undo_changes else None,
    )


async def choose_version(
    sessionmaker: SessionMaker,
    runtime: ChatRuntime,
    owner: str,
    conversation_id: int,
    message_id: int,
) -> list[MessageRecord]:
    """Show the branch through message `message_id`. Tool calls still waiting for the person
    are declined first, as by a new message: a paused answer resumed later would otherwise
    land on a branch the person no longer sees."""
    async with sessionmaker.begin() as session:
        await ApprovalStore(session, owner).decline_waiting(conversation_id, DECLINED_OUTPUT)
        store = ConversationStore(session, owner, stale_after=runtime.stale_after)
        return await store.choose(conversation_id, message_id)


def _wire(entry: Entry) -> dict[str, Any]:
    return EntryOut.of(entry).model_dump(mode="json")
