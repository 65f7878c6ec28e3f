"""Stored messages as ChatKit thread items (ids: backend/chatkit/ids.py)."""

from datetime import UTC, datetime
from typing import Any

from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    CustomSummary,
    CustomTask,
    InferenceOptions,
    ThreadItem,
    UserMessageItem,
    UserMessageTextContent,
    Workflow,
    WorkflowItem,
)

from backend.chatkit import steps
from backend.chatkit.ids import item_id
from backend.chatkit.questions import question
from backend.conversations.records import MessageRecord


def items_of(
    thread: str, message: MessageRecord, waiting: list[dict[str, Any]] | None = None
) -> list[ThreadItem]:
    """The items of one message, in the order they are shown: a user message is one item; an
    assistant message is its tool calls (if any), its text (if any), then the question of
    the calls still `waiting` for the person (while it waits)."""
    number, created_at = message.number, message.created_at
    if message.role == "user":
        return [user_message(thread, number, message.content, created_at)]
    items: list[ThreadItem] = []
    if message.tool_calls:
        tasks = [steps.stored(call) for call in message.tool_calls]
        items.append(workflow(thread, number, tasks, done=True, created_at=created_at))
    if message.content:
        items.append(assistant_message(thread, number, message.content, created_at))
    if waiting and message.status == "awaiting_approval":
        items.append(question(thread, number, waiting, created_at))
    return items


def user_message(
    thread: str, number: int, text: str, created_at: datetime | None = None
) -> UserMessageItem:
    return UserMessageItem(
        id=item_id("msg", number),
        thread_id=thread,
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
        created_at=created_at or datetime.now(UTC),
    )


def assistant_message(
    thread: str, number: int, text: str, created_at: datetime | None = None
) -> AssistantMessageItem:
    return AssistantMessageItem(
        id=item_id("msg", number),
        thread_id=thread,
        content=[AssistantMessageContent(text=text)],
        created_at=created_at or datetime.now(UTC),
    )


def workflow(
    thread: str,
    number: int,
    tasks: list[CustomTask],
    *,
    done: bool,
    created_at: datetime | None = None,
) -> WorkflowItem:
    """Tool calls as a workflow; collapsed under a one-line summary once done."""
    summary = CustomSummary(title=steps.summary(tasks), icon="check-circle") if done else None
    return WorkflowItem(
        id=item_id("wf", number),
        thread_id=thread,
        created_at=created_at or datetime.now(UTC),
        workflow=Workflow(type="custom", tasks=list(tasks), summary=summary, expanded=False),
    )
