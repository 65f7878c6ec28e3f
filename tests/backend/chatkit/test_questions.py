"""Tool calls waiting for the person in ChatKit: the paused answer ends with a question item
(`StructuredInputItem`, multiple choice Delete / Keep), the thread lists it while it waits,
and `threads.add_structured_input` decides exactly like the REST decision. Every reply is
read through the package's own types."""

import httpx
import pytest
from chatkit.types import (
    StructuredInputItem,
    StructuredInputMultipleChoice,
    StructuredInputSubmission,
    ThreadItemReplacedEvent,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.approvals.confirming import task_row
from tests.backend.chatkit.client import ChatKit, answer_text, done_items, errors, parse_stream
from tests.backend.support import create_tasks
from tests.tokens import AuthHeaders


async def _asked(kit: ChatKit) -> StructuredInputItem:
    await create_tasks(kit.http, kit.headers, "alice", "Buy milk")
    events = await kit.create("Delete task 1")
    assert not errors(events)
    asked = done_items(events)[-1]
    assert isinstance(asked, StructuredInputItem)
    return asked


def _answer(call_id: str, choice: str) -> dict[str, object]:
    submitted = {"status": "answered", "answers": {call_id: {"values": [choice]}}}
    return StructuredInputSubmission.model_validate(submitted).model_dump()


@pytest.mark.parametrize("choice", ["Delete", "Keep"])
async def test_a_waiting_delete_is_a_question_answered_in_the_thread(
    client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine, choice: str
) -> None:
    kit = ChatKit(client, auth("alice"))
    asked = await _asked(kit)
    before = await task_row(db_engine, "alice", 1)
    (call,) = asked.inputs
    assert isinstance(call, StructuredInputMultipleChoice)
    assert (asked.id, asked.status) == ("ask_2", "pending")
    assert call.question == "Delete task 1 “Buy milk”?"
    assert [option.value for option in call.options] == ["Delete", "Keep"]
    listed = (await kit.items("1", order="asc")).data
    assert listed[-1].id == asked.id
    assert listed[-1] == asked.model_copy(update={"created_at": listed[-1].created_at})

    response = await kit.post(
        "threads.add_structured_input",
        thread_id="1",
        item_id=asked.id,
        input=_answer(call.id, choice),
    )

    events = parse_stream(response)
    assert not errors(events)
    replaced = [e.item for e in events if isinstance(e, ThreadItemReplacedEvent)]
    assert [(i.id, i.status) for i in replaced if isinstance(i, StructuredInputItem)] == [
        ("ask_2", "answered")
    ]
    assert len(replaced) == 1
    if choice == "Delete":
        assert "Deleted task 1" in answer_text(events)
        assert await task_row(db_engine, "alice", 1) is None
    else:
        assert answer_text(events) == "OK, I kept it."
        assert await task_row(db_engine, "alice", 1) == before
    # Decided here, it is decided for REST too; the thread no longer asks.
    again = await client.post(
        f"/api/alice/conversations/1/approvals/{call.id}",
        json={"approve": True},
        headers=auth("alice"),
    )
    assert again.status_code == 409
    assert not any(isinstance(i, StructuredInputItem) for i in (await kit.items("1")).data)
