"""The conversation store: conversations and their messages, always filtered by owner.

A chat turn touches it in short transactions of its own: `start_turn` (claim the
conversation for the run, naming the server that runs it; store the user's message, load
history), then `finish_turn` (store the answer, release the claim) or `release_turn`. A
claim holds while its server beats; a server that stopped beating has its runs taken over
(backend/runs/servers.py). A claim that names no server (made before servers beat) is free
again once it is `stale_after` old.
"""

import dataclasses
import uuid
from datetime import timedelta
from typing import Any, NoReturn

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from backend.conversations import versions
from backend.conversations.records import (
    Branching,
    ConversationRecord,
    MessageRecord,
    TurnStart,
)
from backend.conversations.search import matching
from backend.conversations.turn_statements import (
    CLAIM_TO_RESUME,
    CONV_COLUMNS,
    DEFAULT_STALE_AFTER,
    FINISH,
    HISTORY,
    LAST_USER_MESSAGE,
    LIVE_CLAIM,
    LOCK_OWNERS_TURN_STARTS,
    MSG_COLUMNS,
    NO_FLUSH_ON_COMMIT,
    RELEASE,
    RETRY_CLAIM,
    START_EXISTING,
    START_NEW,
    TURN_START_LOCK_SPACE,
    runs_in_progress,
)
from backend.db.models import conversations as _conv
from backend.db.models import messages as _msg
from backend.db.search import begin_search, search_rows
from backend.feed.changes import Action, Change, note
from backend.fields import is_visible
from backend.http.errors import (
    ConversationBusy,
    ConversationNotFound,
    ConversationRunning,
    MessageNotRetryable,
    NoSuchMessage,
    TooManyStreams,
)

TITLE_LENGTH = 80


def title_from(message: str) -> str:
    """The message's first line of words, from its first visible character on."""
    line = " ".join(message.split())
    start = next((i for i, character in enumerate(line) if is_visible(character)), len(line))
    line = line[start:]
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


class ConversationStore:
    def __init__(
        self, session: AsyncSession, owner: str, *, stale_after: timedelta = DEFAULT_STALE_AFTER
    ) -> None:
        self._session = session
        self._owner = owner
        self._stale_after = stale_after

    def _mine(self, number: int | None = None) -> ColumnElement[bool]:
        clause = _conv.c.user_id == self._owner
        return clause if number is None else and_(clause, _conv.c.number == number)

    async def _rows(self, statement: Any) -> list[Any]:
        """Rows of a statement whose columns may say whether a run is in progress."""
        return list(
            (await self._session.execute(statement, {"stale_after": self._stale_after})).all()
        )

    async def start_turn(
        self,
        number: int | None,
        message: str,
        run_id: uuid.UUID,
        *,
        history_limit: int,
        max_runs: int,
        server: uuid.UUID | None = None,
    ) -> TurnStart:
        """Claim the conversation (new if `number` is None) for a run of `server` and store
        the user's message, unless the owner already has `max_runs` runs in progress (429)."""
        # The user's message needs no disk flush before the model is called: the turn's
        # next commit (answer, failure or release, all synchronous) flushes it with its own
        # WAL, and a database crash before that fails the turn anyway. Saves an fsync
        # (about 1 ms here) on the way to the first token.
        await self._session.execute(NO_FLUSH_ON_COMMIT)
        await self._lock_turn_starts()
        params: dict[str, Any] = {
            "owner": self._owner,
            "run_id": run_id,
            "user_message": message,
            "server": server,
        }
        if number is None:
            # Checked first: the statement that creates a conversation takes its number even
            # when it stores nothing.
            if await self.running_runs() >= max_runs:
                raise TooManyStreams(retry_after_seconds=1)
            statement = START_NEW
            params["new_title"] = title_from(message)
        else:
            statement = START_EXISTING
            params.update(
                conversation_number=number, stale_after=self._stale_after, max_runs=max_runs
            )
        row = (await self._session.execute(statement, params)).first()
        if row is None:
            await self._refuse(number)
        pk, conversation_number, title, created_at, updated_at, message_number = row
        conversation = ConversationRecord(
            conversation_number, title, created_at, updated_at, run_id
        )
        self._noted("created" if number is None else "updated", conversation)
        # A conversation created by this very statement has nothing before its first message.
        history = (
            []
            if number is None
            else await self._history(pk, before=message_number, limit=history_limit)
        )
        return TurnStart(pk, conversation, message_number, history)

    async def check_can_start(self, number: int, max_runs: int) -> None:
        """Raise what `start_turn` would for the conversation now (not found, busy, the
        owner's runs at their limit), changing nothing: ChatKit's retry asks before it
        deletes the message it resends."""
        record = await self.get(number)
        if record is None:
            raise ConversationNotFound()
        if record.running:
            raise ConversationBusy()
        if await self.running_runs() >= max_runs:
            raise TooManyStreams(retry_after_seconds=1)

    async def claim_to_resume(
        self,
        number: int,
        run_id: uuid.UUID,
        *,
        user_message_number: int,
        max_runs: int,
        server: uuid.UUID | None = None,
    ) -> tuple[TurnStart, int]:
        """Claim the conversation for a run that resumes a paused one (no new message): the
        turn, and the number its answer will have."""
        params = {"owner": self._owner, "run_id": run_id, "conversation_number": number,
                  "stale_after": self._stale_after, "max_runs": max_runs,
                  "server": server}  # fmt: skip
        await self._lock_turn_starts()
        row = (await self._session.execute(CLAIM_TO_RESUME, params)).first()
        if row is None:
            await self._refuse(number)
            raise AssertionError("unreachable: _refuse raises")
        pk, conversation_number, last_message, title, created_at, updated_at = row
        conversation = ConversationRecord(
            conversation_number, title, created_at, updated_at, run_id
        )
        self._noted("updated", conversation)
        return TurnStart(pk, conversation, user_message_number, []), last_message + 1

    async def retry_turn(
        self,
        number: int,
        message_number: int,
        run_id: uuid.UUID,
        *,
        history_limit: int,
        max_runs: int,
        server: uuid.UUID | None = None,
    ) -> tuple[TurnStart, str]:
        """Claim the conversation to answer the person's last message again: what followed
        it is deleted (only once the claim, and so every limit, has passed; the caller's
        transaction undoes it all if anything fails) and the message moves to the end with
        the next number, so its answer follows it as any answer does (unless other versions
        of its answer stay: docs/api.md "Versions"). The turn, and the message's text."""
        params: dict[str, Any] = {"owner": self._owner, "run_id": run_id, "server": server,
                                  "conversation_number": number, "max_runs": max_runs,
                                  "stale_after": self._stale_after}  # fmt: skip
        await self._lock_turn_starts()
        row = (await self._session.execute(RETRY_CLAIM, params)).first()
        if row is None:
            await self._refuse(number)
        pk, conversation_number, moved_to, title, created_at, updated_at = row
        asked = {"conversation_pk": pk, "message_number": message_number}
        content = await self._session.scalar(LAST_USER_MESSAGE, asked)
        if content is None:
            raise MessageNotRetryable()
        # What followed on the chosen branch goes. Other versions of its answer stay; then
        # the message keeps its number, so it still comes before each of them (a branch is
        # in number order).
        await self._session.execute(
            delete(_msg).where(
                _msg.c.conversation_pk == pk, _msg.c.chosen, _msg.c.number > message_number
            )
        )
        versions_stay = await self._session.scalar(
            select(_msg.c.number)
            .where(_msg.c.conversation_pk == pk, _msg.c.parent_number == message_number)
            .limit(1)
        )
        if versions_stay is not None:
            moved_to = message_number
        await self._session.execute(
            update(_msg)
            .where(_msg.c.conversation_pk == pk, _msg.c.number == message_number)
            .values(number=moved_to)
        )
        conversation = ConversationRecord(
            conversation_number, title, created_at, updated_at, run_id
        )
        self._noted("updated", conversation)
        history = await self._history(pk, before=message_number, limit=history_limit)
        return TurnStart(pk, conversation, moved_to, history), str(content)

    async def claim_branch(
        self,
        number: int,
        message_number: int,
        run_id: uuid.UUID,
        *,
        edit: str | None,
        max_runs: int,
        server: uuid.UUID | None = None,
    ) -> "Branching":
        """Claim the conversation for a new version (docs/api.md "Versions"): of answer
        `message_number` (regenerate), or of the person's message `message_number` with the
        text `edit`. Nothing changes on the branch yet (`start_branch` does that), so the
        caller can first undo what the replaced answers changed."""
        params: dict[str, Any] = {"owner": self._owner, "run_id": run_id, "server": server,
                                  "conversation_number": number, "max_runs": max_runs,
                                  "stale_after": self._stale_after}  # fmt: skip
        await self._lock_turn_starts()
        # An edit numbers its new message now, as a new message does.
        claim = RETRY_CLAIM if edit is not None else CLAIM_TO_RESUME
        row = (await self._session.execute(claim, params)).first()
        if row is None:
            await self._refuse(number)
        pk, conversation_number, last_number, title, created_at, updated_at = row
        target = (await self._session.execute(versions.chosen_message(pk, message_number))).first()
        if target is None or target.role != ("user" if edit is not None else "assistant"):
            raise NoSuchMessage()
        if edit is not None:
            point, asked, question, parent = message_number, last_number, edit, target.parent_number
        else:
            found = await self._session.execute(versions.question_before(pk, message_number))
            question_row = found.first()
            if question_row is None:
                raise NoSuchMessage()
            asked, question = question_row
            point, parent = asked + 1, asked
        replaced = (await self._session.scalars(versions.answers_from(pk, point))).all()
        conversation = ConversationRecord(
            conversation_number, title, created_at, updated_at, run_id
        )
        return Branching(pk, conversation, point, parent, asked, question, list(replaced),
                         edit is not None)  # fmt: skip

    async def start_branch(self, branching: "Branching", *, history_limit: int) -> TurnStart:
        """Make the new version's branch the chosen one: the replaced messages leave it (and
        stay as versions), an edit's message joins it. The turn that answers it."""
        pk = branching.pk
        await self._session.execute(versions.leave_branch_from(pk, branching.point))
        if branching.edited:
            await self._session.execute(
                insert(_msg).values(
                    conversation_pk=pk,
                    number=branching.user_message_number,
                    role="user",
                    content=branching.question,
                    parent_number=branching.parent,
                )
            )
        self._noted("updated", branching.conversation)
        asked = branching.user_message_number
        history = await self._history(pk, before=asked, limit=history_limit)
        return TurnStart(pk, branching.conversation, asked, history)

    async def choose(self, number: int, message_number: int) -> list[MessageRecord]:
        """Show the branch through message `message_number` (any version): its messages.
        Refused while the conversation answers (the run's answer goes on the branch it
        started on)."""
        # A message being stored at this moment reads the branch it follows as it was
        # before this commit: it waits for the choice instead.
        await self._lock_turn_starts()
        statement = (
            select(_conv.c.pk, LIVE_CLAIM.label("running"))
            .where(self._mine(number))
            .with_for_update()
        )
        row = (await self._rows(statement))[:1]
        if not row:
            raise ConversationNotFound()
        pk, running = row[0]
        if running:
            raise ConversationBusy()
        params = {"conversation_pk": pk, "number": message_number}
        exists = await self._session.scalar(
            select(_msg.c.number).where(
                _msg.c.conversation_pk == pk, _msg.c.number == message_number
            )
        )
        if exists is None:
            raise NoSuchMessage()
        await self._session.execute(versions.CHOOSE_BRANCH, params)
        record = await self.get(number)
        assert record is not None
        self._noted("updated", record)
        return await self.messages(number, limit=500) or []

    async def versions_of(self, number: int, message_number: int) -> list[MessageRecord] | None:
        """Every version of the message, oldest first (None: no such conversation or
        message of this owner)."""
        pk = select(_conv.c.pk).where(self._mine(number)).scalar_subquery()
        statement = versions.versions_of(pk, message_number, MSG_COLUMNS)
        records = [MessageRecord(*row) for row in (await self._session.execute(statement)).all()]
        if not records:
            return None
        numbers = tuple(r.number for r in records)
        return [dataclasses.replace(r, versions=numbers) for r in records]

    async def _lock_turn_starts(self) -> None:
        """One of this owner's turn starts (and branch changes) at a time, until commit."""
        lock = {"space": TURN_START_LOCK_SPACE, "owner": self._owner}
        await self._session.execute(LOCK_OWNERS_TURN_STARTS, lock)

    async def _refuse(self, number: int | None) -> NoReturn:
        """Why an existing conversation was not claimed: not the owner's, its own run still
        going, or the owner's runs at their limit."""
        record = None if number is None else await self.get(number)
        if record is None:
            raise ConversationNotFound()
        if record.running:
            raise ConversationBusy()
        raise TooManyStreams(retry_after_seconds=1)

    async def _history(self, pk: int, *, before: int, limit: int) -> list[MessageRecord]:
        params = {"conversation_pk": pk, "before": before, "limit": limit}
        rows = (await self._session.execute(HISTORY, params)).all()
        return [MessageRecord(*row) for row in reversed(rows)]

    async def running_runs(self) -> int:
        """How many of this owner's conversations have a run in progress."""
        params = {"owner": self._owner, "stale_after": self._stale_after}
        count = await self._session.scalar(select(runs_in_progress()), params)
        return count or 0

    async def run_holds(self, number: int, run_id: uuid.UUID) -> bool:
        """Whether `run_id` still holds the conversation (its server not found dead)."""
        statement = select(_conv.c.pk).where(
            self._mine(number), _conv.c.active_run_id == run_id, LIVE_CLAIM
        )
        params = {"stale_after": self._stale_after}
        return (await self._session.scalar(statement, params)) is not None

    async def finish_turn(
        self,
        pk: int,
        run_id: uuid.UUID,
        content: str,
        tool_calls: list[dict[str, Any]],
        status: str,
        *,
        error: dict[str, str] | None = None,
        usage: dict[str, Any] | None = None,
    ) -> int | None:
        """Store the assistant's answer (with why it failed, for status "failed") and release
        the claim: the answer's message number, None if the claim was lost."""
        params = {"conversation_pk": pk, "owner": self._owner, "run_id": run_id, "answer": content,
                  "answer_tool_calls": tool_calls, "answer_status": status,
                  "answer_error": error, "answer_usage": usage}  # fmt: skip
        row = (await self._session.execute(FINISH, params)).first()
        if row is None:
            return None
        message_number, number, title, created_at, updated_at = row
        self._noted("updated", ConversationRecord(number, title, created_at, updated_at, None))
        answer_number: int = message_number
        return answer_number

    async def release_turn(self, pk: int, run_id: uuid.UUID) -> None:
        """Release the claim with no answer stored (nothing happens if it was lost)."""
        params = {"conversation_pk": pk, "owner": self._owner, "run_id": run_id}
        row = (await self._session.execute(RELEASE, params)).first()
        if row is not None:
            number, title, created_at, updated_at = row
            self._noted("updated", ConversationRecord(number, title, created_at, updated_at, None))

    async def list_conversations(
        self, limit: int, offset: int, query: str | None = None
    ) -> tuple[list[ConversationRecord], int]:
        """Newest first; with `query`, only those whose title or a message holds it."""
        conditions = [self._mine()] if not query else [self._mine(), matching(self._owner, query)]
        statement = (
            select(*CONV_COLUMNS, func.count().over())
            .where(*conditions)
            .order_by(_conv.c.updated_at.desc(), _conv.c.number.desc())
            .limit(limit)
            .offset(offset)
        )
        if query:
            await begin_search(self._session, self._owner)
        rows = await search_rows(self._session, statement, {"stale_after": self._stale_after})
        if rows:
            return [ConversationRecord(*row[:-1]) for row in rows], rows[0][-1]
        total = await search_rows(self._session, select(func.count()).where(*conditions))
        return [], total[0][0]

    async def name_from_first_answer(self, pk: int, title: str) -> None:
        """Replace the first-message title, unless the person renamed the conversation."""
        statement = (
            update(_conv)
            .where(_conv.c.pk == pk, self._mine(), _conv.c.title_is_custom.is_(False))
            .values(title=title)
            .returning(*CONV_COLUMNS)
        )
        rows = await self._rows(statement)
        if rows:
            self._noted("updated", ConversationRecord(*rows[0]))

    async def add_to_usage(self, pk: int, answer: int, counts: dict[str, int]) -> None:
        """Add a later model call's counts (the title's) to the stored usage of answer number
        `answer`, so that GET …/usage totals every call the daily budget counted."""
        stored = func.coalesce(_msg.c.usage, literal({}, JSONB))
        added = func.jsonb_build_object(
            *(
                part
                for name, value in counts.items()
                for part in (
                    literal(name),
                    func.coalesce(cast(_msg.c.usage[name].astext, BigInteger), 0) + value,
                )
            )
        )
        statement = (
            update(_msg)
            .where(
                _msg.c.conversation_pk == _conv.c.pk,
                _conv.c.pk == pk,
                self._mine(),
                _msg.c.number == answer,
                _msg.c.role == "assistant",
            )
            .values(usage=stored.op("||", return_type=JSONB)(added))
        )
        await self._session.execute(statement)

    async def rename(self, number: int, title: str) -> ConversationRecord | None:
        statement = (
            update(_conv)
            .where(self._mine(number))
            .values(title=title, title_is_custom=True, updated_at=func.now())
            .returning(*CONV_COLUMNS)
        )
        rows = await self._rows(statement)
        return self._noted("updated", ConversationRecord(*rows[0])) if rows else None

    async def delete(self, number: int) -> None:
        """Delete the conversation and its messages; refused while a run is in progress (its
        answer and tool calls would have nowhere to go)."""
        statement = delete(_conv).where(self._mine(number), ~LIVE_CLAIM).returning(*CONV_COLUMNS)
        rows = await self._rows(statement)
        if rows:
            self._noted("deleted", ConversationRecord(*rows[0]))
            return
        if await self.get(number) is None:
            raise ConversationNotFound()
        raise ConversationRunning()

    async def messages(
        self,
        number: int,
        *,
        limit: int,
        after: int = 0,
        before: int | None = None,
        newest_first: bool = False,
    ) -> list[MessageRecord] | None:
        """Messages numbered between `after` and `before` (both excluded), oldest first unless
        `newest_first`; None when the conversation is not this owner's."""
        statement = (
            select(*MSG_COLUMNS)
            .join(_conv, _conv.c.pk == _msg.c.conversation_pk)
            .where(self._mine(number), _msg.c.chosen, _msg.c.number > after)
            .order_by(_msg.c.number.desc() if newest_first else _msg.c.number)
            .limit(limit)
        )
        if before is not None:
            statement = statement.where(_msg.c.number < before)
        rows = (await self._session.execute(statement)).all()
        if not rows and await self.get(number) is None:
            return None
        return await self._with_versions(number, [MessageRecord(*row) for row in rows])

    async def _with_versions(
        self, number: int, records: list[MessageRecord]
    ) -> list[MessageRecord]:
        """The records with the numbers of their versions (the messages with their parent)."""
        if not records:
            return records
        parents = [r.parent_number for r in records if r.parent_number is not None]
        pk = select(_conv.c.pk).where(self._mine(number)).scalar_subquery()
        with_first = any(r.parent_number is None for r in records)
        statement = versions.siblings(pk, parents, with_first=with_first)
        found: dict[int | None, list[int]] = {
            row[0]: row[1] for row in (await self._session.execute(statement)).all()
        }
        return [
            dataclasses.replace(r, versions=tuple(found.get(r.parent_number, [r.number])))
            for r in records
        ]

    async def give_feedback(self, number: int, message_numbers: list[int], kind: str) -> int:
        """Feedback ("positive" or "negative") on the conversation's answers among
        `message_numbers`: how many answers took it; ConversationNotFound when the
        conversation is not this owner's."""
        mine = select(_conv.c.pk).where(self._mine(number)).scalar_subquery()
        statement = (
            update(_msg)
            .where(
                _msg.c.conversation_pk == mine,
                _msg.c.number.in_(message_numbers),
                _msg.c.role == "assistant",
            )
            .values(feedback=kind)
            .returning(_msg.c.number)
        )
        given = len(await self._rows(statement))
        if not given and await self.get(number) is None:
            raise ConversationNotFound()
        return given

    async def delete_message(self, number: int, message_number: int) -> bool:
        """Delete one message of the conversation (False when it has no such message);
        refused while a run is in progress, like deleting the conversation."""
        idle = select(_conv.c.pk).where(self._mine(number), ~LIVE_CLAIM).scalar_subquery()
        statement = (
            delete(_msg)
            .where(_msg.c.conversation_pk == idle, _msg.c.number == message_number)
            .returning(_msg.c.number)
        )
        if await self._rows(statement):
            return True
        existing = await self.messages(
            number, limit=1, after=message_number - 1, before=message_number + 1
        )
        if existing is None:
            raise ConversationNotFound()
        if existing:
            raise ConversationRunning()
        return False

    async def page(
        self, limit: int, after: int | None, *, newest_first: bool
    ) -> list[ConversationRecord]:
        """Up to `limit` conversations in creation order (newest first, or oldest first),
        starting past conversation `after`: a cursor that stays put as conversations change."""
        statement = select(*CONV_COLUMNS).where(self._mine())
        if after is not None:
            past = _conv.c.number < after if newest_first else _conv.c.number > after
            statement = statement.where(past)
        order = _conv.c.number.desc() if newest_first else _conv.c.number
        rows = await self._rows(statement.order_by(order).limit(limit))
        return [ConversationRecord(*row) for row in rows]

    def _noted(self, action: Action, record: ConversationRecord) -> ConversationRecord:
        """Announced on the owner's live feed once the transaction commits."""
        note(self._session.sync_session, Change(self._owner, "conversation", action, record))
        return record

    async def get(self, number: int) -> ConversationRecord | None:
        rows = await self._rows(select(*CONV_COLUMNS).where(self._mine(number)))
        return ConversationRecord(*rows[0]) if rows else None
