"""POST …/conversations/{id}/messages/{message_id}/retry: the person's last message is
answered again in place of what followed it, stored once; a retry refused (not the last
message, another user's, a limit, a running turn) deletes nothing."""

import httpx
from agents.testing import ScriptedModel, assistant_message
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.support import app_client, assert_error
from tests.rows import message_rows
from tests.sse import SSE, sse_events
from tests.tokens import AuthHeaders

RETRY = "/api/alice/conversations/1/messages/{}/retry"


def scripted(*answers: str) -> ScriptedModel:
    return ScriptedModel([[assistant_message(text)] for text in answers])


async def chat(client: httpx.AsyncClient, auth: AuthHeaders, message: str) -> httpx.Response:
    body = {"message": message, "conversation_id": 1 if message != "first" else None}
    return await client.post("/api/alice/chat", json=body, headers=auth("alice"))


async def test_a_retry_replaces_what_followed_the_last_message_with_a_fresh_answer(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = scripted("One.", "Two.", "Again.", "Once more.")
    async with app_client(settings, model) as client:
        await chat(client, auth, "first")
        await chat(client, auth, "second")
        retried = await client.post(RETRY.format(3), headers=auth("alice"))
        # The message moved to the end (5), its answer after it (6).
        streamed = await client.post(RETRY.format(5), headers={**auth("alice"), **SSE})
    assert retried.status_code == 200, retried.text
    assert retried.json()["response"] == "Again."
    assert retried.json()["message_id"] == 6
    assert retried.json()["status"] == "completed"
    events = sse_events(streamed.text)
    assert [e.name for e in events] == ["conversation", "delta", "done"]
    assert events[0].data == {"conversation_id": 1, "user_message_id": 7}
    assert events[-1].data["response"] == "Once more."
    # The model saw the message once, at the end, and nothing of what followed it.
    assert model.last_call is not None
    assert [(m["role"], m["content"]) for m in model.last_call.input] == [
        ("user", "first"),
        ("assistant", "One."),
        ("user", "second"),
    ]
    assert await message_rows(db_engine, "alice") == [
        (1, 1, "user", "first"),
        (1, 2, "assistant", "One."),
        (1, 7, "user", "second"),
        (1, 8, "assistant", "Once more."),
    ]


async def test_a_refused_retry_deletes_nothing(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    async with app_client(settings, scripted("One.", "Two."), chat_requests_per_minute=4) as client:
        await chat(client, auth, "first")
        await chat(client, auth, "second")
        not_last = await client.post(RETRY.format(1), headers=auth("alice"))
        an_answer = await client.post(RETRY.format(4), headers=auth("alice"))
        bobs = await client.post("/api/bob/conversations/1/messages/3/retry", headers=auth("bob"))
        # Alice's fifth message this minute: refused before anything is deleted.
        limited = await client.post(RETRY.format(3), headers=auth("alice"))
    assert_error(not_last, 404, "message_not_found")
    assert_error(an_answer, 404, "message_not_found")
    assert_error(bobs, 404, "conversation_not_found")
    assert_error(limited, 429, "rate_limited")
    assert [row[3] for row in await message_rows(db_engine, "alice")] == [
        "first",
        "One.",
        "second",
        "Two.",
    ]


async def test_a_retry_takes_a_time_zone_and_nothing_else(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with app_client(settings, scripted("One.", "Again.")) as client:
        await chat(client, auth, "first")
        unknown = await client.post(
            RETRY.format(1), json={"timezone": "Mars/Olympus"}, headers=auth("alice")
        )
        extra = await client.post(RETRY.format(1), json={"message": "x"}, headers=auth("alice"))
        berlin = await client.post(
            RETRY.format(1), json={"timezone": "Europe/Berlin"}, headers=auth("alice")
        )
    assert unknown.status_code == 422
    assert extra.status_code == 422
    assert berlin.status_code == 200
    assert berlin.json()["response"] == "Again."
