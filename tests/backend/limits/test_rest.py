"""The per-user REST rate: one account over its limit gets 429 with Retry-After, and another
user is served as usual."""

import uuid

from agents.testing import ScriptedModel, assistant_message

from backend.settings import Settings
from tests.backend.support import app_client, assert_error
from tests.tokens import AuthHeaders

LIMIT = 5


async def test_a_user_over_the_rate_gets_429_and_another_user_does_not(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with app_client(settings, rest_requests_per_minute=LIMIT) as client:
        alice = [await client.get("/api/alice/tasks", headers=auth("alice")) for _ in range(LIMIT)]
        refused = await client.post(
            "/api/alice/tasks", json={"title": "one more"}, headers=auth("alice")
        )
        conversations = await client.get("/api/alice/conversations", headers=auth("alice"))
        bob = await client.post("/api/bob/tasks", json={"title": "Buy milk"}, headers=auth("bob"))
        bobs_list = await client.get("/api/bob/tasks", headers=auth("bob"))
    assert [r.status_code for r in alice] == [200] * LIMIT
    assert_error(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert_error(conversations, 429, "rate_limited")
    assert bob.status_code == 201
    assert [t["title"] for t in bobs_list.json()["tasks"]] == ["Buy milk"]


async def test_refused_requests_do_not_reach_the_database(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with app_client(settings, rest_requests_per_minute=1) as client:
        await client.get("/api/alice/tasks", headers=auth("alice"))
        refused = await client.post(
            "/api/alice/tasks", json={"title": "not stored"}, headers=auth("alice")
        )
    assert refused.status_code == 429
    async with app_client(settings) as client:
        listed = await client.get("/api/alice/tasks", headers=auth("alice"))
    assert listed.json()["total"] == 0


async def test_with_redis_the_rate_is_shared_by_every_worker(
    settings: Settings, auth: AuthHeaders, redis_url: str
) -> None:
    user = f"limit-{uuid.uuid4().hex[:8]}"  # the session's Redis keeps counts between tests
    shared = settings.model_copy(update={"rest_requests_per_minute": 4, "redis_url": redis_url})
    async with app_client(shared) as first, app_client(shared) as second:
        admitted = [
            await worker.get(f"/api/{user}/tasks", headers=auth(user))
            for worker in (first, second, first, second)
        ]
        refused = await second.get(f"/api/{user}/tasks", headers=auth(user))
        other = await first.get("/api/bob/tasks", headers=auth("bob"))
    assert [r.status_code for r in admitted] == [200] * 4
    assert_error(refused, 429, "rate_limited")
    assert other.status_code == 200


async def test_attach_stop_and_chatkit_lists_count_toward_the_rate(
    settings: Settings, auth: AuthHeaders
) -> None:
    """/stop, a /stream answered 204 and ChatKit's threads.list were outside the limit
    (209-723 requests a second from one user, never a 429)."""
    model = ScriptedModel([[assistant_message("ok")]])
    conversation = "/api/alice/conversations/1"
    chatkit_list = b'{"type": "threads.list", "params": {}}'
    json_body = {**auth("alice"), "Content-Type": "application/json"}
    async with app_client(settings, model, rest_requests_per_minute=LIMIT) as client:
        chat = await client.post("/api/alice/chat", json={"message": "hi"}, headers=auth("alice"))
        assert chat.status_code == 200
        served = [
            await client.post(f"{conversation}/stop", headers=auth("alice")),
            await client.get(f"{conversation}/stream", headers=auth("alice")),
            await client.post("/chatkit", content=chatkit_list, headers=json_body),
            await client.get(f"{conversation}/stream", headers=auth("alice")),
        ]
        refused = [
            await client.post(f"{conversation}/stop", headers=auth("alice")),
            await client.get(f"{conversation}/stream", headers=auth("alice")),
            await client.post("/chatkit", content=chatkit_list, headers=json_body),
        ]
        bobs = await client.post(
            "/chatkit",
            content=chatkit_list,
            headers={**auth("bob"), "Content-Type": "application/json"},
        )
    assert [r.status_code for r in served] == [204, 204, 200, 204]
    for response in refused:
        assert_error(response, 429, "rate_limited")
    assert bobs.status_code == 200
