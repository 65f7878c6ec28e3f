"""Paused runs and their approvals, always filtered by owner (through the conversation).

A turn that ends on tool calls waiting for the person stores its run state (`pause`) in
the transaction that stores its answer. Whatever decides next — a decision request, a typed
"yes" or "no", any other message, or the clock — first `lock`s the paused run (a row lock:
two decisions at once are taken one after the other, and the second finds it gone), then
either `decide`s (the run resumes: the row is deleted as the resuming turn claims the
conversation) or `decline_all`s (nothing resumes: the waiting calls are recorded as declined
on the paused answer, and never run).
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Interval, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import approvals as _approvals
from backend.db.models import conversations as _conv
from backend.db.models import messages as _msg
from backend.db.models import paused_runs as _paused
from backend.db.models import tasks as _tasks

APPROVED, DECLINED = "approved", "declined"


@dataclass(frozen=True, slots=True)
class WaitingCall:
    id: str
    tool: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Paused:
    conversation_pk: int
    message_number: int
    user_message_number: int
    state: dict[str, Any]
    timezone: str
    expired: bool
    waiting: list[WaitingCall]


class ApprovalStore:
    def __init__(self, session: AsyncSession, owner: str) -> None:
        self._session = session
        self._owner = owner

    async def pause(
        self,
        conversation_pk: int,
        *,
        message_number: int,
        user_message_number: int,
        state: dict[str, Any],
        waiting: list[dict[str, Any]],
        expires_in: timedelta,
        timezone: str = "UTC",
    ) -> list[dict[str, Any]]:
        """Store the paused run and its waiting calls; the calls with their `summary`."""
        asked = await _summaries(self._session, self._owner, waiting)
        expires_at = func.now() + literal(expires_in, Interval())
        row = {"conversation_pk": conversation_pk, "message_number": message_number,
               "user_message_number": user_message_number, "state": state,
               "timezone": timezone, "expires_at": expires_at}  # fmt: skip
        await self._session.execute(
            insert(_paused)
            .values(row)
            .on_conflict_do_update(index_elements=["conversation_pk"], set_=row)
        )
        for call in waiting:
            values = {"conversation_pk": conversation_pk, "call_id": call["id"],
                      "tool": call["tool"], "arguments": call["arguments"],
                      "summary": asked[call["id"]]}  # fmt: skip
            await self._session.execute(
                insert(_approvals)
                .values(values)
                .on_conflict_do_nothing(index_elements=["conversation_pk", "call_id"])
            )
        return [{**call, "summary": asked[call["id"]]} for call in waiting]

    async def pending(self, conversation_number: int) -> list[dict[str, Any]]:
        """The calls waiting in the conversation's paused run (none once it expired)."""
        statement = (
            select(
                _approvals.c.call_id,
                _approvals.c.tool,
                _approvals.c.arguments,
                _approvals.c.summary,
            )
            .join(_paused, _paused.c.conversation_pk == _approvals.c.conversation_pk)
            .join(_conv, _conv.c.pk == _approvals.c.conversation_pk)
            .where(
                _conv.c.user_id == self._owner,
                _conv.c.number == conversation_number,
                _approvals.c.decision.is_(None),
                _paused.c.expires_at > func.now(),
            )
            .order_by(_approvals.c.pk)
        )
        rows = (await self._session.execute(statement)).all()
        return [
            {"id": call_id, "tool": tool, "arguments": arguments, "summary": summary}
            for call_id, tool, arguments, summary in rows
        ]

    async def lock(self, conversation_number: int) -> Paused | None:
        """The conversation's paused run, locked until the transaction ends; None if none."""
        statement = (
            select(
                _paused.c.conversation_pk,
                _paused.c.message_number,
                _paused.c.user_message_number,
                _paused.c.state,
                _paused.c.timezone,
                (_paused.c.expires_at <= func.now()).label("expired"),
            )
            .join(_conv, _conv.c.pk == _paused.c.conversation_pk)
            .where(_conv.c.user_id == self._owner, _conv.c.number == conversation_number)
            .with_for_update(of=_paused)
        )
        row = (await self._session.execute(statement)).first()
        if row is None:
            return None
        pk, message_number, user_message_number, state, timezone, expired = row
        waiting = (
            await self._session.execute(
                select(_approvals.c.call_id, _approvals.c.tool, _approvals.c.arguments)
                .where(_approvals.c.conversation_pk == pk, _approvals.c.decision.is_(None))
                .order_by(_approvals.c.pk)
            )
        ).all()
        calls = [WaitingCall(call_id, tool, arguments) for call_id, tool, arguments in waiting]
        return Paused(
            pk, message_number, user_message_number, state, timezone, bool(expired), calls
        )

    async def decision_of(self, conversation_number: int, call_id: str) -> str | None:
        """What was decided on a call of the conversation: "approved", "declined", "" while
        undecided; None when the conversation has no such call."""
        statement = (
            select(func.coalesce(_approvals.c.decision, ""))
            .join(_conv, _conv.c.pk == _approvals.c.conversation_pk)
            .where(
                _conv.c.user_id == self._owner,
                _conv.c.number == conversation_number,
                _approvals.c.call_id == call_id,
            )
        )
        decision: str | None = await self._session.scalar(statement)
        return decision

    async def decide(self, paused: Paused, decisions: dict[str, bool]) -> None:
        """Record the decisions and take the run out of storage to resume it (in the
        transaction that claims the conversation for the resuming turn)."""
        for call_id, approve in decisions.items():
            await self._record(paused.conversation_pk, [call_id], APPROVED if approve else DECLINED)
        await self._unpause(paused)

    async def decline_waiting(self, conversation_number: int, declined_output: str) -> None:
        """Decline whatever waits in the conversation (as a new message does); nothing when
        no run is paused."""
        paused = await self.lock(conversation_number)
        if paused is not None:
            await self.decline_all(paused, declined_output)

    async def decline_all(self, paused: Paused, declined_output: str) -> None:
        """Decline every waiting call without resuming: the paused answer records them as
        declined, with `declined_output` as their result (so the model's history pairs each
        call with its result)."""
        await self._record(paused.conversation_pk, [c.id for c in paused.waiting], DECLINED)
        declined = [
            {
                "id": c.id,
                "name": c.tool,
                "arguments": c.arguments,
                "output": declined_output,
                "is_error": True,
            }
            for c in paused.waiting
        ]
        await self._session.execute(
            update(_msg)
            .where(
                _msg.c.conversation_pk == paused.conversation_pk,
                _msg.c.number == paused.message_number,
            )
            .values(
                tool_calls=_msg.c.tool_calls.op("||")(literal(declined, _msg.c.tool_calls.type))
            )
        )
        await self._unpause(paused)

    async def _record(self, conversation_pk: int, call_ids: list[str], decision: str) -> None:
        await self._session.execute(
            update(_approvals)
            .where(
                _approvals.c.conversation_pk == conversation_pk,
                _approvals.c.call_id.in_(call_ids),
                _approvals.c.decision.is_(None),
            )
            .values(decision=decision, decided_at=func.now())
        )

    async def _unpause(self, paused: Paused) -> None:
        await self._session.execute(
            delete(_paused).where(_paused.c.conversation_pk == paused.conversation_pk)
        )
        await self._session.execute(
            update(_msg)
            .where(
                _msg.c.conversation_pk == paused.conversation_pk,
                _msg.c.number == paused.message_number,
                _msg.c.status == "awaiting_approval",
            )
            .values(status="completed")
        )


async def _summaries(
    session: AsyncSession, owner: str, calls: list[dict[str, Any]]
) -> dict[str, str]:
    """Call id -> its question, naming each task by number and title (the owner's tasks
    only: a number that is not theirs is named by its number alone)."""
    numbers = {n for call in calls if type(n := call["arguments"].get("task_id")) is int}
    titles: dict[int, str] = {}
    if numbers:
        rows = await session.execute(
            select(_tasks.c.number, _tasks.c.title).where(
                _tasks.c.user_id == owner, _tasks.c.number.in_(numbers)
            )
        )
        titles = {row.number: row.title for row in rows}
    return {call["id"]: _question(call["tool"], call["arguments"], titles) for call in calls}


def _question(tool: str, arguments: dict[str, Any], titles: dict[int, str]) -> str:
    task_id = arguments.get("task_id")
    named = "the task"
    if type(task_id) is int:
        title = titles.get(task_id)
        named = f"task {task_id} “{title}”" if title else f"task {task_id}"
    if tool == "delete_task":
        return f"Delete {named}?"
    if tool == "complete_task":
        return f"Mark {named} as done?"
    if tool == "update_task":
        new_title = arguments.get("title")
        return f"Change {named} to “{new_title}”?" if new_title else f"Change {named}?"
    if tool == "add_task":
        return f"Add the task “{arguments.get('title', '')}”?"
    return f"Let the assistant run {tool}?"
