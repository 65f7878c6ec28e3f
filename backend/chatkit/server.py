"""The ChatKit server: the official SDK's `ChatKitServer` over our store and runs.

A message (`threads.create`, `threads.add_user_message`) starts its run before the SDK
streams anything: the run stores the user's message (and, for a new thread, creates the
conversation) in one transaction, so the thread and the message have their ids from the
start, and a busy conversation or a limit is an error event with nothing stored.
`threads.retry_after_item` starts its run here too, as REST's retry does (`Runs.retry`): it
deletes what followed the message once every limit has passed, and answers the message
again without storing it twice; the SDK then finds nothing left to delete. The rest is the
SDK's own handling.
"""

import re
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import anyio
from chatkit.server import ChatKitServer, NonStreamingResult, StreamingResult
from chatkit.types import (
    ChatKitReq,
    FeedbackKind,
    ItemsFeedbackReq,
    ItemsListReq,
    Page,
    Thread,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadMetadata,
    ThreadsAddStructuredInputReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsDeleteReq,
    ThreadsGetByIdReq,
    ThreadsListReq,
    ThreadsRetryAfterItemReq,
    ThreadStreamEvent,
    ThreadsUpdateReq,
    ThreadUpdatedEvent,
    UserMessageContent,
    UserMessageInput,
    UserMessageItem,
    UserMessageTagContent,
    is_streaming_req,
)
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from backend.chatkit import items
from backend.chatkit.answer import AnswerStream, error_event, sse_frame
from backend.chatkit.context import RequestContext
from backend.chatkit.errors import (
    AttachmentsUnsupported,
    InvalidMessage,
    InvalidTimeZone,
    ItemNotFound,
    UnsupportedRequest,
)
from backend.chatkit.ids import conversation_of, item_of
from backend.chatkit.questions import decisions
from backend.chatkit.threads import ThreadStore
from backend.chatkit.turns import Turn, Turns
from backend.conversations.store import title_from
from backend.fields import MessageText, TimeZoneName
from backend.http.errors import AppError

SUPPORTED = (
    ThreadsCreateReq,
    ThreadsAddStructuredInputReq,
    ThreadsAddUserMessageReq,
    ThreadsRetryAfterItemReq,
    ThreadsGetByIdReq,
    ThreadsListReq,
    ThreadsUpdateReq,
    ThreadsDeleteReq,
    ItemsListReq,
    ItemsFeedbackReq,
)
_REQUEST: TypeAdapter[ChatKitReq] = TypeAdapter(ChatKitReq)
_MESSAGE = TypeAdapter(MessageText)
_ZONE = TypeAdapter(TimeZoneName)
# `limit` on threads.list and items.list: the SDK reads 0 or none as its default page (20).
MAX_PAGE_SIZE = 200
# How long a first answer's stream waits for the model's title (docs/chatkit.md).
TITLE_WAIT_SECONDS = 3.0
# A tag is a word of its own, except where punctuation hugs it ("call @Mom, then…").
_HUGS_LEFT = tuple(",.;:!?)]}'\"\u2019\u201d\u2026")
_HUGS_RIGHT = tuple("([{'\"\u2018\u201c")


def parse(request: str | bytes | bytearray) -> ChatKitReq:
    """The request as the SDK reads it; a body it cannot read is a 422 listing the problems
    (never echoing the input)."""
    try:
        return _REQUEST.validate_json(request)
    except ValidationError as error:
        raise RequestValidationError(_problems(error)) from None


def _problems(error: ValidationError) -> list[dict[str, Any]]:
    """pydantic's report without the input: it quotes an unknown `type` in its message
    ("Input tag 'threads.nope' found…"), so that one says what is expected instead."""
    problems = []
    for problem in error.errors(include_url=False, include_input=False):
        context = problem.pop("ctx", {})
        if problem["type"] == "union_tag_invalid":
            expected = context.get("expected_tags", "")
            problem["msg"] = f"Unknown type; expected one of: {expected}"
        problems.append(dict(problem))
    return problems


def check_page_size(request: ChatKitReq) -> None:
    """A page of 1 to MAX_PAGE_SIZE: the SDK passes any integer on to the store, where a
    negative or huge one would reach PostgreSQL's LIMIT (or overflow its driver)."""
    if not isinstance(request, ThreadsListReq | ItemsListReq):
        return
    limit = request.params.limit
    if limit is not None and not 0 <= limit <= MAX_PAGE_SIZE:
        message = f"limit must be between 1 and {MAX_PAGE_SIZE} (0 or none: 20)"
        issue = {"type": "page_size", "loc": ("body", "params", "limit"), "msg": message}
        raise RequestValidationError([issue])


def time_zone(request: ChatKitReq) -> str:
    """The person's IANA zone, from the request's `metadata.timezone` (ChatKit's place for an
    integration's own data); UTC when absent. The agent reads "tomorrow" in it."""
    try:
        return _ZONE.validate_python(request.metadata.get("timezone", "UTC"))
    except ValidationError:
        raise InvalidTimeZone() from None


def message_text(sent: UserMessageInput) -> str:
    """What the person wrote: the text of every part, tags included, in order (a task's tag
    as its number)."""
    if sent.attachments:
        raise AttachmentsUnsupported()
    try:
        return _MESSAGE.validate_python(readable_text(sent.content))
    except ValidationError:
        raise InvalidMessage() from None


def readable_text(content: list[UserMessageContent]) -> str:
    """The parts joined as the composer shows them: a tag ("Mom" after "add a task to call")
    is a word of its own, so a space goes between it and the text beside it unless one is
    already there or punctuation hugs it."""
    text = ""
    previous: UserMessageContent | None = None
    for part in content:
        tag_boundary = isinstance(part, UserMessageTagContent) or isinstance(
            previous, UserMessageTagContent
        )
        written = mention(part) if isinstance(part, UserMessageTagContent) else part.text
        if tag_boundary and _needs_space(text, written):
            text += " "
        text += written
        previous = part
    return text


def mention(tag: UserMessageTagContent) -> str:
    """A tag naming one of the person's tasks (`data.task_id`, as the tag search gives it,
    docs/chatkit.md) is that task's number, "task 3": the agent acts on the task the person
    picked, never on another whose title shares its words. Any other tag is its text."""
    task_id = str(tag.data.get("task_id", ""))
    if re.fullmatch(r"[1-9][0-9]{0,9}", task_id):
        return f"task {task_id}"
    return tag.text


def _needs_space(before: str, after: str) -> bool:
    if not before or not after or before[-1].isspace() or after[0].isspace():
        return False
    return not (after.startswith(_HUGS_LEFT) or before.endswith(_HUGS_RIGHT))


def _title_shown(thread: ThreadMetadata, title: str) -> ThreadUpdatedEvent:
    """`thread.updated` with a title the conversation already has. Not set on `thread`: the
    SDK saves a changed thread (`save_thread`, a person's rename), which would store this
    title back over a newer one (the exchange's, when the stream lags behind its run; the
    model's, landing just after it was read) and then keep the model's title out."""
    shown = Thread(
        id=thread.id,
        title=title,
        created_at=thread.created_at,
        status=thread.status,
        allowed_image_domains=thread.allowed_image_domains,
        items=Page(),
    )
    return ThreadUpdatedEvent(thread=shown)


async def _one_error(error: AppError) -> AsyncGenerator[bytes, None]:
    yield sse_frame(error_event(error.code, error.detail, allow_retry=False))


class TodoChatKitServer(ChatKitServer[RequestContext]):
    def __init__(self, store: ThreadStore, turns: Turns) -> None:
        super().__init__(store)
        self._threads = store
        self._turns = turns

    async def process(
        self, request: str | bytes | bytearray, context: RequestContext
    ) -> StreamingResult | NonStreamingResult:
        """Raises AppError (and RequestValidationError) for a request answered with JSON; a
        streaming request's errors are ChatKit error events."""
        parsed = parse(request)
        if not is_streaming_req(parsed):
            if not isinstance(parsed, SUPPORTED):
                raise UnsupportedRequest()
            check_page_size(parsed)
            return await super().process(request, context)
        try:
            if not isinstance(parsed, SUPPORTED):
                raise UnsupportedRequest()
            context.timezone = time_zone(parsed)
            await self._before_streaming(parsed, context)
        except AppError as error:
            return StreamingResult(_one_error(error))
        return await super().process(request, context)

    async def _before_streaming(self, request: ChatKitReq, context: RequestContext) -> None:
        """A message's run starts here, before the SDK sends the thread or the message."""
        if isinstance(request, ThreadsCreateReq):
            text = message_text(request.params.input)
            context.turn = await self._start(context, None, text)
        elif isinstance(request, ThreadsAddUserMessageReq):
            conversation = conversation_of(request.params.thread_id)
            text = message_text(request.params.input)
            context.turn = await self._start(context, conversation, text)
        elif isinstance(request, ThreadsAddStructuredInputReq):
            context.turn = await self._answer_question(request, context)
        elif isinstance(request, ThreadsRetryAfterItemReq):
            params = request.params
            item = await self._threads.load_item(params.thread_id, params.item_id, context)
            if not isinstance(item, UserMessageItem):
                raise ItemNotFound("Only a message you sent can be retried.")
            # The SDK deletes what followed the message before `respond`: the limits are
            # checked first, so a refused retry deletes nothing.
            await self._turns.admit(context.owner)
            await self._threads.check_can_start(
                params.thread_id, context, self._turns.max_runs_per_user
            )

    async def _answer_question(
        self, request: ThreadsAddStructuredInputReq, context: RequestContext
    ) -> Turn:
        """The person answered the question of waiting tool calls: decide every one of them
        and resume the paused run, as `POST …/approvals` does."""
        conversation = conversation_of(request.params.thread_id)
        if item_of(request.params.item_id)[1] != "ask":
            raise ItemNotFound("Only a question can be answered.")
        submission = request.params.input
        params = request.params
        context.question = await self._threads.load_item(params.thread_id, params.item_id, context)

        def decide(waiting: list[str]) -> dict[str, bool]:
            return decisions(submission, waiting)

        return await self._turns.resume(context.owner, conversation, decide)

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: RequestContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        turn = context.turn
        if turn is None:  # threads.retry_after_item: the SDK deleted what followed
            assert input_user_message is not None
            try:
                turn = await self._send_again(thread, input_user_message, context)
            except AppError as error:
                yield error_event(error.code, error.detail, allow_retry=False)
                return
            # Stored once, the retried message moved to the end with the next number.
            yield ThreadItemRemovedEvent(item_id=input_user_message.id)
            resent = items.user_message(thread.id, turn.user_message, turn.message)
            yield ThreadItemDoneEvent(item=resent)
        shown = thread.title
        if shown is None:  # a new thread, named after its first message
            shown = title_from(turn.message)
            yield _title_shown(thread, shown)
        answer = AnswerStream(thread.id, turn.user_message + 1)
        async for event in turn.events:
            for converted in answer.on(event):
                yield converted
        if turn.user_message == 1:
            title = await self._first_answer_title(thread, turn, context)
            if title != shown:
                yield _title_shown(thread, title)

    async def _first_answer_title(
        self, thread: ThreadMetadata, turn: Turn, context: RequestContext
    ) -> str:
        """After the first answer, the title made from the exchange. The answer is complete
        by then; the stream waits a moment for the model's title, and a slower one shows at
        the next load."""
        with anyio.move_on_after(TITLE_WAIT_SECONDS):
            await self._turns.titled(context.owner, turn)
        return await self._threads.stored_title(thread.id, context)

    async def _send_again(
        self, thread: ThreadMetadata, message: UserMessageItem, context: RequestContext
    ) -> Turn:
        """A run answers the message again, as REST's retry (`Runs.retry`): the message moves
        to the end of the conversation, stored once, and the history the model sees ends
        with it."""
        conversation = conversation_of(thread.id)
        number, _ = item_of(message.id)
        text = readable_text(message.content)
        context.turn = await self._turns.retry(
            context.owner, conversation, number, text, context.timezone
        )
        return context.turn

    async def _start(self, context: RequestContext, conversation: int | None, text: str) -> Turn:
        return await self._turns.start(context.owner, conversation, text, context.timezone)

    async def add_feedback(
        self, thread_id: str, item_ids: list[str], feedback: FeedbackKind, context: RequestContext
    ) -> None:
        """Thumbs up or down on answers, stored with the answer's message (REST shows it as
        `feedback`). An item names its message (`msg_3`, `wf_3`: message 3); feedback on a
        message you sent is ignored, and ids that name no answer at all are ItemNotFound."""
        numbers = sorted({item_of(item)[0] for item in item_ids})
        if not await self._threads.give_feedback(thread_id, numbers, feedback, context):
            raise ItemNotFound()

    async def handle_stream_cancelled(
        self, thread: ThreadMetadata, pending_items: list[ThreadItem], context: RequestContext
    ) -> None:
        """The client went away (ChatKit's stop button): stop the run, which stores the
        answer so far with status "stopped" (docs/api.md §12)."""
        if context.turn is not None:
            with anyio.CancelScope(shield=True):
                await self._turns.stop(context.turn)
