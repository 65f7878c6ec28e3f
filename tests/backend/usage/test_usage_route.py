"""GET /api/{user_id}/usage: the owner's stored usage per local day or per conversation."""

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.conversations.chatting import Chat
from tests.backend.support import assert_error
from tests.tokens import AuthHeaders

COUNTS = ("requests", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens")


def _summed(answers: list[dict[str, Any]]) -> dict[str, int]:
    return {name: sum(answer["usage"][name] for answer in answers) for name in COUNTS}


async def _usage(client: httpx.AsyncClient, auth: AuthHeaders, **query: str) -> dict[str, Any]:
    response = await client.get("/api/alice/usage", params=query, headers=auth("alice"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _date_answers(engine: AsyncEngine, when: dict[int, datetime]) -> None:
    """Move alice's answers in conversation 1 (by message number) to fixed instants."""
    async with engine.begin() as connection:
        for number, instant in when.items():
            await connection.execute(
                text(
                    "UPDATE messages SET created_at = :at FROM conversations c"
                    " WHERE c.pk = conversation_pk AND c.user_id = 'alice' AND c.number = 1"
                    " AND messages.number = :number"
                ),
                {"at": instant, "number": number},
            )


async def test_per_conversation_totals_are_the_stored_answers_usage(
    alice: Chat, bob: Chat, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    first = [await alice.answer("add a task to buy milk")]
    first.append(await alice.answer("what's pending?", 1))
    second = [await alice.answer("add a task to call mom")]
    await bob.answer("add a task to walk the dog")
    stored = await alice.messages(1)
    assert [m["usage"] for m in stored] == [None, first[0]["usage"], None, first[1]["usage"]]
    assert first[0]["usage"]["model"] == "offline"
    assert first[0]["usage"]["requests"] >= 1
    assert first[0]["usage"]["input_tokens"] > 0

    body = await _usage(client, auth, group="conversation")

    assert [(g["conversation_id"], g["title"], g["messages"]) for g in body["groups"]] == [
        (1, "Add: Buy milk", 2),
        (2, "Add: Call mom", 1),
    ]
    assert {k: body["groups"][0][k] for k in COUNTS} == _summed(first)
    assert {k: body["groups"][1][k] for k in COUNTS} == _summed(second)
    assert {k: body["totals"][k] for k in COUNTS} == _summed(first + second)  # bob's apart
    assert body["budget"]["tokens_per_day"] == 0
    assert body["budget"]["used_today"] is None


async def test_days_are_the_persons_local_days(
    alice: Chat, client: httpx.AsyncClient, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    answers = [await alice.answer("add a task to buy milk")]
    answers.append(await alice.answer("what's pending?", 1))
    # 23:30 UTC on the 10th is already the 11th in Berlin; 08:00 UTC on the 11th too.
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    morning = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
    await _date_answers(db_engine, {2: late, 4: morning})

    utc = await _usage(client, auth, **{"from": "2026-03-01", "to": "2026-03-31"})
    berlin = await _usage(
        client, auth, **{"from": "2026-03-01", "to": "2026-03-31", "timezone": "Europe/Berlin"}
    )

    assert [(g["day"], g["messages"]) for g in utc["groups"]] == [
        ("2026-03-10", 1),
        ("2026-03-11", 1),
    ]
    assert [(g["day"], g["messages"]) for g in berlin["groups"]] == [("2026-03-11", 2)]
    assert {k: berlin["groups"][0][k] for k in COUNTS} == _summed(answers)
    assert (berlin["from"], berlin["to"], berlin["timezone"]) == (
        "2026-03-01",
        "2026-03-31",
        "Europe/Berlin",
    )
    only_the_10th = await _usage(client, auth, **{"from": "2026-03-10", "to": "2026-03-10"})
    assert [g["day"] for g in only_the_10th["groups"]] == ["2026-03-10"]


async def test_bad_queries_are_refused(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    alice = auth("alice")
    for query in (
        {"group": "week"},
        {"timezone": "Mars/Olympus"},
        {"timezone": "Europe/Berlin\x00"},
        {"from": "2026-02-30"},
        {"from": "yesterday"},
        {"to": "0"},
        {"to": "2026-03-01T00:00:00"},
    ):
        response = await client.get("/api/alice/usage", params=query, headers=alice)
        assert_error(response, 422, "validation_error")
    for query in ({"from": "2026-03-02", "to": "2026-03-01"}, {"from": "2020-01-01"}):
        response = await client.get("/api/alice/usage", params=query, headers=alice)
        assert_error(response, 422, "invalid_range")


async def test_only_the_owner_reads_their_usage(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    response = await client.get("/api/alice/usage", headers=auth("bob"))
    assert_error(response, 403, "forbidden")
    response = await client.get("/api/alice/usage")
    assert_error(response, 401, "unauthorized")
