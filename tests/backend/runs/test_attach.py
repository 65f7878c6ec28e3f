"""Attaching to a run (GET …/stream): a reload redraws the running answer from its first
event, a reconnect with Last-Event-ID gets exactly the rest, any number of viewers see the
same events, a run is kept CHAT_RESUME_SECONDS after it ends, 204 when nothing is left."""

from typing import Any

import pytest

from backend.settings import Settings
from tests.backend.runs.helpers import live, slow_answer
from tests.backend.support import assert_error
from tests.polling import eventually
from tests.sse import SSEEvent
from tests.tokens import AuthHeaders


def as_seen(events: list[SSEEvent]) -> list[tuple[str | None, str, Any]]:
    return [(e.id, e.name, e.data) for e in events]


async def test_a_reload_mid_answer_redraws_it_from_the_first_event_then_goes_live(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with live(settings, auth, slow_answer()) as env:
        sender = env.chat("Tell me a story")
        await sender.until(5)
        tabs = [env.attach(1) for _ in range(3)]
        for tab in tabs:
            await tab.finished()
        await sender.finished()
    assert sender.events[-1].name == "done"
    for tab in tabs:
        assert tab.status == 200
        assert as_seen(tab.events) == as_seen(sender.events)


@pytest.mark.parametrize("how", ["header", "query"])
async def test_a_reconnect_with_the_last_event_id_gets_exactly_the_rest(
    settings: Settings, auth: AuthHeaders, how: str
) -> None:
    async with live(settings, auth, slow_answer()) as env:
        first = env.chat("Tell me a story")
        await first.until(4)
        await first.leave()
        last = first.events[-1].id
        assert last is not None
        if how == "header":
            rest = env.attach(1, last)
        else:
            path = "/api/alice/conversations/1/stream"
            rest = env.view("GET", path, params={"last_event_id": last})
        await rest.finished()
        stored = await env.messages(1)
    seen = first.events + rest.events
    run = last.partition(".")[0]
    assert [e.id for e in seen] == [f"{run}.{n}" for n in range(1, len(seen) + 1)]
    assert rest.events[-1].name == "done"
    assert first.text + rest.text == rest.events[-1].data["response"] == stored[1]["content"]
    assert env.provider.cancelled_streams == 0


async def test_after_the_end_the_rest_is_served_while_kept_then_204(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with live(settings, auth, slow_answer(reply_words=10), chat_resume_seconds=2) as env:
        whole = env.chat("hi")
        await whole.finished()
        ids = [e.id or "" for e in whole.events]
        late = env.attach(1, ids[2])
        await late.finished()
        after_done = await env.get("/conversations/1/stream", headers={"Last-Event-ID": ids[-1]})
        no_id = await env.get("/conversations/1/stream")

        async def forgotten() -> bool:
            response = await env.get("/conversations/1/stream", last_event_id=ids[2])
            return response.status_code == 204

        await eventually(forgotten, 10, "the run's log forgotten")
    assert as_seen(late.events) == as_seen(whole.events[3:])
    assert (after_done.status_code, after_done.content) == (204, b"")
    assert no_id.status_code == 204


async def test_nothing_of_another_users_run_can_be_attached(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with live(settings, auth, slow_answer(reply_words=20)) as env:
        alices = env.chat("Alice's secret plan")
        await alices.until(2)
        alice_id = alices.events[-1].id
        not_bobs = await env.get("/conversations/1/stream", user="bob")
        bobs = env.chat("Bob's message", user="bob")
        await bobs.finished()
        bob_with_alices_id = env.attach(1, alice_id, user="bob")
        await bob_with_alices_id.finished()
        await alices.finished()
    assert_error(not_bobs, 404, "conversation_not_found")
    # Bob's conversation 1 has no run: alice's id names nothing in it.
    assert bob_with_alices_id.status == 204
    assert bob_with_alices_id.events == []
