"""Threads and items without a turn: list (newest first, ChatKit's pagination), get, update
(REST's title rules), delete, items.list; bad requests; another user's ids behave exactly like
ids that do not exist."""

from typing import Any

import httpx
import pytest
from chatkit.types import Thread

from tests.backend.chatkit.client import ChatKit, errors, message, parse_stream
from tests.backend.support import assert_error, assert_unauthorized
from tests.tokens import AuthHeaders


@pytest.fixture
async def alice(client: httpx.AsyncClient, auth: AuthHeaders) -> ChatKit:
    """Alice with three threads: 1 "Add: Buy milk" (named by what it did), 2 "Show me all
    my tasks", 3 "hello"."""
    kit = ChatKit(client, auth("alice"))
    for said in ("Add a task to buy milk", "Show me all my tasks", "hello"):
        assert not errors(await kit.create(said))
    return kit


async def test_threads_list_newest_first_page_by_page(alice: ChatKit) -> None:
    first = await alice.threads(limit=2)
    second = await alice.threads(limit=2, after=first.after)
    oldest_first = await alice.threads(order="asc")

    assert [t.id for t in first.data] == ["3", "2"]
    assert (first.has_more, first.after) == (True, "2")
    assert [(t.id, t.title) for t in second.data] == [("1", "Add: Buy milk")]
    assert second.has_more is False
    assert [t.id for t in oldest_first.data] == ["1", "2", "3"]


async def test_items_list_pages_through_a_thread_both_ways(alice: ChatKit) -> None:
    every = [i.id for i in (await alice.items("1", order="asc")).data]
    assert every == ["msg_1", "wf_2", "msg_2"]
    newest = await alice.items("1", limit=2)
    rest = await alice.items("1", limit=2, after=newest.after)
    assert ([i.id for i in newest.data], newest.has_more) == (["msg_2", "wf_2"], True)
    assert ([i.id for i in rest.data], rest.has_more) == (["msg_1"], False)
    middle = await alice.items("1", order="asc", after="wf_2")
    assert [i.id for i in middle.data] == ["msg_2"]


async def test_get_update_and_delete_a_thread_as_rest_sees_them(
    alice: ChatKit, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    thread = await alice.thread("2")
    renamed = Thread.model_validate(
        await alice.json("threads.update", thread_id="2", title="  Weekly review  ")
    )
    blank = await alice.post("threads.update", thread_id="2", title="   ")
    deleted = await alice.post("threads.delete", thread_id="3")
    over_rest = (await client.get("/api/alice/conversations", headers=auth("alice"))).json()

    assert [i.type for i in thread.items.data] == ["user_message", "workflow", "assistant_message"]
    assert renamed.title == "Weekly review"
    assert_error(blank, 422, "validation_error")
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert sorted((c["id"], c["title"]) for c in over_rest["conversations"]) == [
        (1, "Add: Buy milk"),
        (2, "Weekly review"),
    ]
    assert_error(
        await alice.post("threads.get_by_id", thread_id="3"), 404, "conversation_not_found"
    )


@pytest.mark.parametrize("thread_id", ["9", "0", "-1", "01", "abc", "1.0", "٣", "99999999999"])
async def test_a_thread_that_does_not_exist_is_not_found(alice: ChatKit, thread_id: str) -> None:
    for kind in ("threads.get_by_id", "items.list", "threads.delete"):
        assert_error(await alice.post(kind, thread_id=thread_id), 404, "conversation_not_found")
    events = parse_stream(
        await alice.post("threads.add_user_message", thread_id=thread_id, input=message("hi"))
    )
    assert [e.message for e in errors(events)] == ["Conversation not found."]
    assert len(events) == 1


async def test_another_users_threads_and_items_are_exactly_like_missing_ones(
    alice: ChatKit, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    bob = ChatKit(client, auth("bob"))
    assert (await bob.threads()).data == []
    requests: list[tuple[str, dict[str, Any]]] = [
        ("threads.get_by_id", {"thread_id": "1"}),
        ("items.list", {"thread_id": "1"}),
        ("threads.update", {"thread_id": "1", "title": "mine now"}),
        ("threads.delete", {"thread_id": "1"}),
    ]
    for kind, params in requests:
        assert_error(await bob.post(kind, **params), 404, "conversation_not_found")
    sent = parse_stream(
        await bob.post("threads.add_user_message", thread_id="1", input=message("hi"))
    )
    retried = parse_stream(
        await bob.post("threads.retry_after_item", thread_id="1", item_id="msg_1")
    )
    assert [e.message for e in errors(sent) + errors(retried)] == ["Conversation not found."] * 2
    assert [t.title for t in (await alice.threads()).data] == [
        "hello", "Show me all my tasks", "Add: Buy milk"
    ]  # fmt: skip
    assert len((await alice.items("1")).data) == 3


BAD_BODIES = [
    b"{not json",
    b'{"type": "threads.fly", "params": {}}',
    b'{"type": "threads.create", "params": {"input": {"content": [{"type": "input_fly",'
    b' "text": "x"}], "attachments": [], "inference_options": {}}}}',
    b'{"type": "items.list"}',
    b'{"type": "threads.get_by_id", "params": {"thread_id": 1}}',
    b"\xff\xfe",
]


async def test_bad_requests_get_422_and_unsupported_ones_say_so(alice: ChatKit) -> None:
    headers = {**alice.headers, "Content-Type": "application/json"}
    for body in BAD_BODIES:
        response = await alice.http.post("/chatkit", content=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "validation_error"
        assert "fly" not in response.text  # the problems are listed, the input never echoed
    assert_error(
        await alice.post("attachments.delete", attachment_id="a"), 422, "unsupported_request"
    )
    streamed = parse_stream(
        await alice.post("threads.add_client_tool_output", thread_id="1", result={})
    )
    # In words a person understands; the JSON reply above keeps its code for programs.
    assert [e.message for e in errors(streamed)] == ["This chat can't do that."]
    empty = parse_stream(
        await alice.post("threads.add_user_message", thread_id="1", input=message("  "))
    )
    assert [e.message for e in errors(empty)] == [
        "A message is 1 to 4000 characters of text, not blank."
    ]


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/chatkit", content=b'{"type": "threads.list", "params": {}}')
    assert_unauthorized(response)


@pytest.mark.parametrize("limit", [-5, -1, 201, 10**30])
async def test_a_page_size_out_of_range_is_422_not_500(alice: ChatKit, limit: int) -> None:
    headers = {**alice.headers, "Content-Type": "application/json"}
    for kind, params in (
        ("threads.list", f'{{"limit": {limit}}}'),
        ("items.list", f'{{"thread_id": "1", "limit": {limit}}}'),
    ):
        body = f'{{"type": "{kind}", "params": {params}}}'.encode()
        response = await alice.http.post("/chatkit", content=body, headers=headers)
        assert_error(response, 422, "validation_error")
        assert response.json()["detail"][0]["loc"] == ["body", "params", "limit"]


async def test_the_page_size_edges_are_served(alice: ChatKit) -> None:
    assert [t.id for t in (await alice.threads(limit=200)).data] == ["3", "2", "1"]
    assert len((await alice.threads(limit=0)).data) == 3  # the SDK's default page
    assert len((await alice.items("1", limit=200)).data) == 3
