"""The per-user bound on open streams (live feeds and attaches), over real HTTP: the next one
past STREAMS_PER_USER is 429 with a sentence, other users keep being served, a closed stream
gives its slot back, and replicas sharing Redis count one total."""

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from agents.testing import ScriptedModel

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.chat_support import Gate
from tests.backend.support import assert_error
from tests.polling import eventually

DEADLINE = 10.0
BOUND = 3
Auth = Callable[[str], dict[str, str]]


def user(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"  # the session's Redis keeps slots between tests


@pytest.fixture(params=["memory", "redis"])
def bounded(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    return settings.model_copy(update={"redis_url": redis_url, "streams_per_user": BOUND})


async def open_feed(stack: AsyncExitStack, http: httpx.AsyncClient, who: str, auth: Auth) -> int:
    response = await stack.enter_async_context(
        http.stream("GET", f"/api/{who}/events", headers=auth(who))
    )
    if response.status_code != 200:
        await response.aread()
    return response.status_code


async def refused_feed(http: httpx.AsyncClient, who: str, auth: Auth) -> httpx.Response:
    response = await http.get(f"/api/{who}/events", headers=auth(who))
    assert_error(response, 429, "too_many_open_streams")
    assert f"at most {BOUND}" in response.json()["detail"]
    assert response.headers["retry-after"] == "5"
    # Closed at once: a burst of refusals is not left open until the keep-alive timeout.
    assert response.headers["connection"] == "close"
    return response


async def test_one_user_at_the_bound_is_429_and_others_are_served(
    bounded: Settings, auth: Auth
) -> None:
    alice, bob = user("alice"), user("bob")
    async with (
        serving(create_app(bounded)) as url,
        httpx.AsyncClient(base_url=url, timeout=DEADLINE) as http,
        AsyncExitStack() as held,
    ):
        assert [await open_feed(held, http, alice, auth) for _ in range(BOUND)] == [200] * BOUND
        await refused_feed(http, alice, auth)
        async with AsyncExitStack() as bobs:
            assert await open_feed(bobs, http, bob, auth) == 200
        tasks = await http.get(f"/api/{bob}/tasks", headers=auth(bob))
        assert tasks.status_code == 200
        await held.aclose()  # alice closes her tabs: her slots come back

        async def admitted_again() -> bool:
            async with AsyncExitStack() as again:
                return await open_feed(again, http, alice, auth) == 200

        await eventually(admitted_again, DEADLINE, "a closed feed's slot given back")


async def test_attaches_count_toward_the_same_bound(settings: Settings, auth: Auth) -> None:
    alice = user("alice")
    gate = Gate()
    app = create_app(
        settings.model_copy(update={"streams_per_user": BOUND}),
        model=ScriptedModel([gate.step("done")]),
    )
    async with (
        serving(app) as url,
        httpx.AsyncClient(base_url=url, timeout=DEADLINE) as http,
        AsyncExitStack() as held,
    ):
        chat = asyncio.create_task(
            http.post(f"/api/{alice}/chat", json={"message": "hi"}, headers=auth(alice))
        )
        await gate.wait_entered()
        stream = f"/api/{alice}/conversations/1/stream"
        attached = await held.enter_async_context(http.stream("GET", stream, headers=auth(alice)))
        assert attached.status_code == 200
        assert [await open_feed(held, http, alice, auth) for _ in range(BOUND - 1)] == [200, 200]
        assert_error(await http.get(stream, headers=auth(alice)), 429, "too_many_open_streams")
        await refused_feed(http, alice, auth)
        gate.opened.set()
        assert (await chat).status_code == 200


async def test_replicas_sharing_redis_count_one_total(
    settings: Settings, auth: Auth, redis_url: str
) -> None:
    alice = user("alice")
    shared = settings.model_copy(update={"redis_url": redis_url, "streams_per_user": BOUND})
    async with (
        serving(create_app(shared)) as one,
        serving(create_app(shared)) as two,
        httpx.AsyncClient(base_url=one, timeout=DEADLINE) as first,
        httpx.AsyncClient(base_url=two, timeout=DEADLINE) as second,
        AsyncExitStack() as held,
    ):
        opened = [await open_feed(held, replica, alice, auth) for replica in (first, second, first)]
        assert opened == [200] * BOUND
        await refused_feed(second, alice, auth)
