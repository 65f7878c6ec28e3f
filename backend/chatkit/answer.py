"""One run's events as ChatKit stream events.

The answer is assistant message n (the user's message is n - 1: the run holds the
conversation, so no other message can take a number in between). Its tool calls stream as a
workflow (`wf_<n>`), one task per call, running then finished; its text as an assistant
message (`msg_<n>`) growing by deltas. `done` ends both with what was stored; `error` takes
ends with ChatKit's error event carrying our sentence (what was shown of the answer stays on
screen until a reload; nothing of it was stored).

No item is ever removed from here: the SDK deletes a removed item from the store, and the
stored messages belong to the run.
"""

from datetime import UTC, datetime
from typing import Any

from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    CustomTask,
    ErrorEvent,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)

from agent.events import Failed, TextDelta, ToolCall, ToolResult
from backend.chatkit import items, steps
from backend.chatkit.ids import item_id
from backend.chatkit.questions import question
from backend.conversations.wire import ChatEvent, Finished
from backend.http.plain import plain_error


def error_event(code: str, detail: Any, *, allow_retry: bool) -> ErrorEvent:
    """ChatKit's `error` event, its message in words a person understands (an error's
    `code` and `detail` as REST has them; backend/http/plain.py)."""
    return ErrorEvent(code="custom", message=plain_error(code, detail), allow_retry=allow_retry)


def sse_frame(event: ErrorEvent) -> bytes:
    """An event as the SDK frames its own (`data: {json}`, by alias, no nulls)."""
    return b"data: " + event.model_dump_json(by_alias=True, exclude_none=True).encode() + b"\n\n"


class AnswerStream:
    """Feed it a run's events after `Started`; it gives back ChatKit's."""

    def __init__(self, thread: str, answer_number: int) -> None:
        self._thread = thread
        self._number = answer_number
        self._message: AssistantMessageItem | None = None
        self._tasks: list[CustomTask] = []
        self._task_of_call: dict[str, int] = {}
        self._closed_with = 0  # tasks the workflow had when it was shown done

    def on(self, event: ChatEvent) -> list[ThreadStreamEvent]:
        if isinstance(event, TextDelta):
            return self._text(event.text)
        if isinstance(event, ToolCall):
            return self._tool_call(event)
        if isinstance(event, ToolResult):
            return self._tool_result(event)
        if isinstance(event, Finished):
            return self._finished(event)
        if isinstance(event, Failed):
            return self._failed(event)
        return []

    def _text(self, text: str) -> list[ThreadStreamEvent]:
        events: list[ThreadStreamEvent] = []
        if self._message is None:
            # As the SDK's own Agents stream does: the steps end where the answer begins.
            events += self._close_workflow()
            self._message = AssistantMessageItem(
                id=item_id("msg", self._number),
                thread_id=self._thread,
                content=[],
                created_at=datetime.now(UTC),
            )
            events.append(ThreadItemAddedEvent(item=self._message))
            added = AssistantMessageContentPartAdded(
                content_index=0, content=AssistantMessageContent(text="")
            )
            events.append(ThreadItemUpdatedEvent(item_id=self._message.id, update=added))
        delta = AssistantMessageContentPartTextDelta(content_index=0, delta=text)
        events.append(ThreadItemUpdatedEvent(item_id=self._message.id, update=delta))
        return events

    def _tool_call(self, call: ToolCall) -> list[ThreadStreamEvent]:
        events: list[ThreadStreamEvent] = []
        if not self._tasks:
            workflow = items.workflow(self._thread, self._number, [], done=False)
            events.append(ThreadItemAddedEvent(item=workflow))
        task = steps.running(call.name)
        self._task_of_call[call.id] = len(self._tasks)
        self._tasks.append(task)
        added = WorkflowTaskAdded(task_index=len(self._tasks) - 1, task=task)
        events.append(ThreadItemUpdatedEvent(item_id=self._workflow_id, update=added))
        return events

    def _tool_result(self, result: ToolResult) -> list[ThreadStreamEvent]:
        index = self._task_of_call.get(result.id)
        if index is None:
            return []
        task = steps.finished(result.name, result.output, result.is_error)
        self._tasks[index] = task
        updated = WorkflowTaskUpdated(task_index=index, task=task)
        return [ThreadItemUpdatedEvent(item_id=self._workflow_id, update=updated)]

    def _finished(self, finished: Finished) -> list[ThreadStreamEvent]:
        """Both items as stored (the stored answer is the source of truth, also when it was
        stopped part way)."""
        done = finished.done
        self._tasks = [steps.stored(call) for call in done.tool_calls]
        events = self._close_workflow()
        if self._message is not None:
            content = AssistantMessageContent(text=done.response)
            part_done = AssistantMessageContentPartDone(content_index=0, content=content)
            events.append(ThreadItemUpdatedEvent(item_id=self._message.id, update=part_done))
        if self._message is not None or done.response:
            message = items.assistant_message(self._thread, self._number, done.response)
            events.append(ThreadItemDoneEvent(item=message))
        if done.status == "awaiting_approval":
            asked = question(self._thread, self._number, done.waiting)
            events.append(ThreadItemDoneEvent(item=asked))
        return events

    def _close_workflow(self) -> list[ThreadStreamEvent]:
        """The workflow as done, unless it has no task or was shown done with all of them."""
        if len(self._tasks) == self._closed_with:
            return []
        self._closed_with = len(self._tasks)
        workflow = items.workflow(self._thread, self._number, self._tasks, done=True)
        return [ThreadItemDoneEvent(item=workflow)]

    def _failed(self, failed: Failed) -> list[ThreadStreamEvent]:
        return [error_event(failed.code, failed.detail, allow_retry=True)]

    @property
    def _workflow_id(self) -> str:
        return item_id("wf", self._number)
