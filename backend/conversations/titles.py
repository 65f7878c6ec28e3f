"""A title worth reading, from a conversation's first exchange (docs/api.md §9).

Until then a conversation is named after its first message, word for word; once the first
answer is stored, a turn that changed tasks names the conversation after what it did
("Add: Buy milk", "Done: Call the dentist and 1 more"). The words come from the tools'
results, not from the model's prose, so the title is deterministic and costs no model call.
A title the person chose (a rename) is never replaced. With a model provider, `ModelTitles`
then asks the model for a better one, after the answer has been sent.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

import anyio
from agents import Agent, RunConfig
from sqlalchemy import exc as sa_exc

from agent.titles import Titled, model_title
from backend.conversations.store import TITLE_LENGTH, ConversationStore
from backend.db.engine import SessionMaker

log = logging.getLogger(__name__)

Spend = Callable[[int], Awaitable[bool]]

_VERBS = {"created": "Add", "completed": "Done", "deleted": "Delete", "updated": "Change"}


def title_from_exchange(tool_calls: list[dict[str, Any]]) -> str | None:
    """The title "Add: Buy milk" for a turn whose first task change added "Buy milk"; None
    when the turn changed no task (the first message stays the title)."""
    actions = [
        output
        for call in tool_calls
        if not call.get("is_error")
        and isinstance(output := call.get("output"), dict)
        and output.get("status") in _VERBS
        and isinstance(output.get("title"), str)
    ]
    if not actions:
        return None
    first = actions[0]
    title = f"{_VERBS[first['status']]}: {' '.join(first['title'].split())}"
    more = f" and {len(actions) - 1} more" if len(actions) > 1 else ""
    room = TITLE_LENGTH - len(more)
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return title + more


# How long the title call may take; the answer never waits for it.
TITLE_TIMEOUT_SECONDS = 15.0


class ModelTitles:
    """With a model provider: after a conversation's first answer is stored, one small model
    call names the conversation (agent/titles.py), in the background. The answer's `done` is
    sent before the call starts; a failed call keeps the title from the first exchange, and a
    rename made meanwhile is kept (`name_from_first_answer` skips renamed conversations). What
    the call reported is added to the first answer's stored usage, title or not."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        agent: Agent[None],
        run_config: RunConfig,
        timeout: float = TITLE_TIMEOUT_SECONDS,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._agent = agent
        self._run_config = run_config
        self._timeout = timeout
        self._pending: dict[tuple[str, int], asyncio.Task[None]] = {}

    def start(
        self,
        owner: str,
        conversation: int,
        pk: int,
        exchange: tuple[str, str],
        answer: int,
        spend: Spend | None = None,
    ) -> None:
        """Name conversation `conversation` (primary key `pk`) from its first exchange (the
        message, the answer stored as message number `answer`); the call's usage is added to
        that answer's, and `spend` counts its tokens against the person's budget."""
        key = (owner, conversation)
        task = asyncio.create_task(self._name(owner, pk, exchange, answer, spend))
        self._pending[key] = task
        task.add_done_callback(lambda _: self._forget(key, task))

    def _forget(self, key: tuple[str, int], task: "asyncio.Task[None]") -> None:
        if self._pending.get(key) is task:
            del self._pending[key]

    async def settled(self, owner: str, conversation: int) -> None:
        """Wait for the title being made for the conversation, if one is (ChatKit shows the
        new title in the stream that answered; it bounds the wait)."""
        task = self._pending.get((owner, conversation))
        if task is not None:
            await asyncio.shield(task)

    async def _name(
        self, owner: str, pk: int, exchange: tuple[str, str], answer: int, spend: Spend | None
    ) -> None:
        # A call cut off by the timeout has no reply, so no usage to count (docs/api.md §9).
        titled = Titled(None)
        with anyio.move_on_after(self._timeout):
            titled = await model_title(self._agent, self._run_config, *exchange)
        if spend is not None and titled.tokens:
            await spend(titled.tokens)
        if not titled.usage.requests:  # nothing came back: nothing to store
            return
        title = titled.title
        if title is not None and len(title) > TITLE_LENGTH:
            title = title[: TITLE_LENGTH - 1].rstrip() + "…"
        # An unusable reply was paid for all the same: its usage is stored either way.
        counts = {k: v for k, v in asdict(titled.usage).items() if k != "model"}
        try:
            async with self._sessionmaker.begin() as session:
                store = ConversationStore(session, owner)
                await store.add_to_usage(pk, answer, counts)
                if title is not None:
                    await store.name_from_first_answer(pk, title)
        except (sa_exc.SQLAlchemyError, OSError) as error:
            log.warning("title or its usage not stored: %s", type(error).__name__)

    async def close(self) -> None:
        """At shutdown: titles still being made are given up (the first-exchange title stays)."""
        tasks = list(self._pending.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
