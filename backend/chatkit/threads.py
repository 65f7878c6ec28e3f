"""ChatKit's `Store` over our conversations and messages. It holds no SQL: it reads and writes
through ConversationStore, so every query is filtered by the request's owner. A thread is a
conversation, an item a message or part of one (backend/chatkit/ids.py).

A turn's messages are stored by its run, never through this store: `add_thread_item` and
`save_item` have nothing to do. Deleting an item deletes its message (the SDK does so for
`threads.retry_after_item`); nothing is deleted while the conversation is answering.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from chatkit.store import Store, StoreItemType
from chatkit.types import Attachment, Page, ThreadItem, ThreadMetadata
from pydantic import TypeAdapter, ValidationError

from backend.approvals.store import ApprovalStore
from backend.chatkit.context import RequestContext
from backend.chatkit.errors import AttachmentsUnsupported, InvalidTitle, ItemNotFound
from backend.chatkit.ids import PART_ORDER, Part, conversation_of, item_id, item_of, thread_id
from backend.chatkit.items import items_of
from backend.conversations.records import ConversationRecord
from backend.conversations.schemas import ConversationTitle
from backend.conversations.store import ConversationStore
from backend.db.engine import SessionMaker
from backend.http.errors import ConversationNotFound

_TITLE = TypeAdapter(ConversationTitle)


def metadata(record: ConversationRecord) -> ThreadMetadata:
    return ThreadMetadata(
        id=thread_id(record.number), title=record.title, created_at=record.created_at
    )


class ThreadStore(Store[RequestContext]):
    def __init__(self, sessionmaker: SessionMaker, stale_after: timedelta) -> None:
        self._sessionmaker = sessionmaker
        self._stale_after = stale_after

    @asynccontextmanager
    async def _conversations(self, context: RequestContext) -> AsyncIterator[ConversationStore]:
        async with self._sessionmaker.begin() as session:
            yield ConversationStore(session, context.owner, stale_after=self._stale_after)

    async def _waiting(self, context: RequestContext, number: int) -> list[dict[str, Any]]:
        """The tool calls of the conversation waiting for the person (its question item)."""
        async with self._sessionmaker() as session:
            return await ApprovalStore(session, context.owner).pending(number)

    def generate_thread_id(self, context: RequestContext) -> str:
        # threads.create: the run has created the conversation already.
        assert context.turn is not None
        return thread_id(context.turn.conversation)

    def generate_item_id(
        self, item_type: StoreItemType, thread: ThreadMetadata, context: RequestContext
    ) -> str:
        if item_type == "message" and context.turn is not None:
            return item_id("msg", context.turn.user_message)  # the stored user message
        return super().generate_item_id(item_type, thread, context)

    async def load_thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        number = conversation_of(thread_id)
        async with self._conversations(context) as conversations:
            record = await conversations.get(number)
        if record is None:
            raise ConversationNotFound()
        return metadata(record)

    async def give_feedback(
        self, thread_id: str, messages: list[int], kind: str, context: RequestContext
    ) -> int:
        """How many answers among `messages` took the feedback."""
        number = conversation_of(thread_id)
        async with self._conversations(context) as conversations:
            return await conversations.give_feedback(number, messages, kind)

    async def stored_title(self, thread_id: str, context: RequestContext) -> str:
        return (await self.load_thread(thread_id, context)).title or ""

    async def save_thread(self, thread: ThreadMetadata, context: RequestContext) -> None:
        """Renames the conversation when the title changed (the rules of REST's rename); the
        thread then shows the title as stored."""
        if thread.title is None:
            return  # a thread being created: its conversation has its title already
        try:
            title = _TITLE.validate_python(thread.title)
        except ValidationError:
            raise InvalidTitle() from None
        number = conversation_of(thread.id)
        async with self._conversations(context) as conversations:
            record = await conversations.get(number)
            if record is None:
                raise ConversationNotFound()
            if record.title != title:
                await conversations.rename(number, title)
        thread.title = title

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: RequestContext
    ) -> Page[ThreadMetadata]:
        """Newest first (order "desc") or oldest first, by creation; `after` is a thread id."""
        start = conversation_of(after) if after else None
        async with self._conversations(context) as conversations:
            records = await conversations.page(limit + 1, start, newest_first=order != "asc")
        threads = [metadata(record) for record in records[:limit]]
        return Page(
            data=threads,
            has_more=len(records) > limit,
            after=threads[-1].id if threads else None,
        )

    async def load_thread_items(
        self, thread_id: str, after: str | None, limit: int, order: str, context: RequestContext
    ) -> Page[ThreadItem]:
        """Items in the order shown (or reversed for "desc"), past the item `after`."""
        number = conversation_of(thread_id)
        newest_first = order == "desc"
        cursor = _sort_key(*item_of(after)) if after else None
        found: list[ThreadItem] = []
        waiting = await self._waiting(context, number)
        # Read messages from the cursor's own (it may have a later item) until a page is full.
        bound = None if cursor is None else cursor[0] + (1 if newest_first else -1)
        async with self._conversations(context) as conversations:
            while len(found) <= limit:
                window = {"before": bound} if newest_first else {"after": bound or 0}
                batch = await conversations.messages(
                    number, limit=limit + 1, newest_first=newest_first, **window
                )
                if batch is None:
                    raise ConversationNotFound()
                for message in batch:
                    shown = items_of(thread_id, message, waiting)
                    for item in reversed(shown) if newest_first else shown:
                        if cursor is None or _past(item.id, cursor, newest_first):
                            found.append(item)
                if len(batch) <= limit:
                    break
                bound = batch[-1].number
        page = found[:limit]
        return Page(data=page, has_more=len(found) > limit, after=page[-1].id if page else None)

    async def load_item(self, thread_id: str, item_id: str, context: RequestContext) -> ThreadItem:
        asked = context.question
        if asked is not None and (asked.thread_id, asked.id) == (thread_id, item_id):
            return asked
        number = conversation_of(thread_id)
        message_number, _ = item_of(item_id)
        async with self._conversations(context) as conversations:
            batch = await conversations.messages(
                number, limit=1, after=message_number - 1, before=message_number + 1
            )
        if batch is None:
            raise ConversationNotFound()
        waiting = await self._waiting(context, number)
        for item in items_of(thread_id, batch[0], waiting) if batch else []:
            if item.id == item_id:
                return item
        raise ItemNotFound()

    async def add_thread_item(
        self, thread_id: str, item: ThreadItem, context: RequestContext
    ) -> None:
        """Nothing to do: the run stored the user's message before the stream began, and
        stores the answer before announcing it."""

    async def save_item(self, thread_id: str, item: ThreadItem, context: RequestContext) -> None:
        """Nothing to do: items change only through runs (see add_thread_item)."""

    async def delete_thread(self, thread_id: str, context: RequestContext) -> None:
        number = conversation_of(thread_id)
        async with self._conversations(context) as conversations:
            await conversations.delete(number)

    async def check_can_start(self, thread_id: str, context: RequestContext, max_runs: int) -> None:
        """Raises the error a new run on the thread would meet now (busy, runs at the limit)."""
        async with self._conversations(context) as conversations:
            await conversations.check_can_start(conversation_of(thread_id), max_runs)

    async def delete_thread_item(
        self, thread_id: str, item_id: str, context: RequestContext
    ) -> None:
        """Deletes the message the item belongs to (an assistant message's tool calls and
        text go together); a message already gone is fine."""
        number = conversation_of(thread_id)
        message_number, _ = item_of(item_id)
        async with self._conversations(context) as conversations:
            await conversations.delete_message(number, message_number)

    async def save_attachment(self, attachment: Attachment, context: RequestContext) -> None:
        raise AttachmentsUnsupported()

    async def load_attachment(self, attachment_id: str, context: RequestContext) -> Attachment:
        raise AttachmentsUnsupported()

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        raise AttachmentsUnsupported()


def _sort_key(message: int, part: Part) -> tuple[int, int]:
    return message, PART_ORDER[part]


def _past(item: str, cursor: tuple[int, int], newest_first: bool) -> bool:
    key = _sort_key(*item_of(item))
    return key < cursor if newest_first else key > cursor
