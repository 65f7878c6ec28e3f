"""Feedback on an answer (ChatKit's `items.feedback`, docs/chatkit.md): stored with the
answer's message and readable over REST as `feedback`; owner-filtered like every thread
request; a message you sent takes none."""

from typing import Any

import httpx
import pytest

from tests.backend.chatkit.client import REQUEST, ChatKit, errors
from tests.backend.support import assert_error
from tests.tokens import AuthHeaders


@pytest.fixture
async def alice(client: httpx.AsyncClient, auth: AuthHeaders) -> ChatKit:
    """Alice with thread 1: msg_1 (hers), wf_2 and msg_2 (the answer), msg_3, wf_4, msg_4."""
    kit = ChatKit(client, auth("alice"))
    assert not errors(await kit.create("Add a task to buy milk"))
    assert not errors(await kit.send("1", "Add a task to call mom"))
    return kit


async def rate(kit: ChatKit, thread: str, items: list[str], sentiment: str) -> httpx.Response:
    """`items.feedback` as ChatKit's client sends it (checked against the package's types)."""
    params = {"thread_id": thread, "item_ids": items, "kind": sentiment}
    body = REQUEST.validate_python({"type": "items.feedback", "params": params})
    return await kit.http.post(
        "/chatkit",
        content=REQUEST.dump_json(body),
        headers={**kit.headers, "Content-Type": "application/json"},
    )


async def rated(kit: ChatKit, thread: str, items: list[str], sentiment: str) -> None:
    response = await rate(kit, thread, items, sentiment)
    assert response.status_code == 200, response.text
    assert response.json() == {}


async def feedback_over_rest(kit: ChatKit, user: str = "alice") -> list[tuple[str, Any]]:
    response = await kit.http.get(f"/api/{user}/conversations/1/messages", headers=kit.headers)
    assert response.status_code == 200, response.text
    return [(m["role"], m["feedback"]) for m in response.json()["messages"]]


async def test_feedback_is_stored_with_the_answer_and_read_over_rest(alice: ChatKit) -> None:
    assert await feedback_over_rest(alice) == [
        ("user", None),
        ("assistant", None),
        ("user", None),
        ("assistant", None),
    ]
    await rated(alice, "1", ["msg_2"], "positive")
    assert await feedback_over_rest(alice) == [
        ("user", None),
        ("assistant", "positive"),
        ("user", None),
        ("assistant", None),
    ]
    # The answer's steps are the answer too; a second opinion replaces the first; a message
    # of yours among the items is left alone.
    await rated(alice, "1", ["wf_2", "msg_3", "msg_4"], "negative")
    assert await feedback_over_rest(alice) == [
        ("user", None),
        ("assistant", "negative"),
        ("user", None),
        ("assistant", "negative"),
    ]


async def test_feedback_on_nothing_it_can_take_is_404_and_changes_nothing(
    alice: ChatKit, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    bob = ChatKit(client, auth("bob"))
    assert not errors(await bob.create("hello"))

    def give(kit: ChatKit, thread: str, items: list[str]) -> Any:
        return rate(kit, thread, items, "positive")

    assert_error(await give(alice, "1", ["msg_1"]), 404, "item_not_found")  # her own message
    assert_error(await give(alice, "1", ["msg_9"]), 404, "item_not_found")
    assert_error(await give(alice, "1", []), 404, "item_not_found")
    assert_error(await give(alice, "1", ["nope"]), 404, "item_not_found")
    assert_error(await give(alice, "7", ["msg_2"]), 404, "conversation_not_found")
    # Bob's thread 1 is his; alice's answers are not his to rate.
    assert (await give(bob, "1", ["msg_2"])).status_code == 200
    assert await feedback_over_rest(alice) == [
        ("user", None),
        ("assistant", None),
        ("user", None),
        ("assistant", None),
    ]
    assert await feedback_over_rest(bob, "bob") == [("user", None), ("assistant", "positive")]
    bad = await alice.http.post(
        "/chatkit",
        content=b'{"type": "items.feedback", "params": {"thread_id": "1", "item_ids":'
        b' ["msg_2"], "kind": "meh"}}',
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert_error(bad, 422, "validation_error")
