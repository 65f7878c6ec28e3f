"""/mcp over real HTTP (uvicorn on loopback) with the official Python MCP client: the five
tools for the token's user and nobody else, the SDK's 401s and RFC 9728 document, DNS-rebinding
protection, the per-user call limit, and the API's own routes beside it."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest
from mcp import Client
from mcp.types import CallToolResult, RequestParamsMeta
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from mcp_tools.identity import USER_META_KEY
from tests.backend.support import assert_error
from tests.mcp_tools.remote import (
    METADATA_PATH,
    bearer,
    mcp_client,
    post_tools_list,
    served,
    token,
)
from tests.mcp_tools.test_oauth_tokens import access_token
from tests.mcp_tools.test_tasks import FRAMEWORK_NOISE, TOOLS, text_of
from tests.rows import all_task_rows
from tests.sse import SSEEvent, read_events

MODES = ["auto", "legacy"]  # the newest protocol, and the initialize handshake
# Both protocol eras from the one endpoint: the initialize handshake of 2025-11-25, and the
# stateless 2026-07-28 (no initialize, no session id), each as the official client speaks it.
ERAS = {"2025-11-25": "legacy", "2026-07-28": "2026-07-28"}
FEED_DEADLINE = 5.0


async def ok(client: Client, name: str, arguments: dict[str, Any]) -> Any:
    result = await client.call_tool(name, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert json.loads(text_of(result)) == result.structured_content
    return result.structured_content


async def error(client: Client, name: str, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(name, arguments)
    assert result.is_error, result
    message = text_of(result)
    for noise in FRAMEWORK_NOISE:
        assert noise not in message, message
    return message


@pytest.fixture
def engine(database: str, db_engine: AsyncEngine) -> AsyncEngine:
    return db_engine


@pytest.mark.parametrize("mode", MODES)
async def test_lists_the_five_tools_with_no_user_parameter(
    settings: Settings, engine: AsyncEngine, mode: str
) -> None:
    async with served(settings) as url, mcp_client(url, bearer("alice"), mode) as client:
        assert client.server_info is not None
        assert client.server_info.name == "todo"
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == set(TOOLS)
    for name, (arguments, required) in TOOLS.items():
        schema = tools[name].input_schema
        assert set(schema["properties"]) == arguments, name
        assert sorted(schema.get("required", [])) == sorted(required), name
        assert "user" not in json.dumps(schema).lower(), name
        assert "owner" not in json.dumps(schema).lower(), name


@pytest.mark.parametrize(("era", "mode"), ERAS.items(), ids=list(ERAS))
async def test_each_tool_changes_the_same_tasks_rest_sees(
    settings: Settings, engine: AsyncEngine, era: str, mode: str
) -> None:
    async with served(settings) as url, mcp_client(url, bearer("alice"), mode) as client:
        assert client.protocol_version == era
        assert await ok(client, "add_task", {"title": "Buy milk"}) == {
            "task_id": 1,
            "status": "created",
            "title": "Buy milk",
        }
        await ok(client, "add_task", {"title": "Call mum", "description": "Sunday"})
        updated = await ok(client, "update_task", {"task_id": 1, "title": "Buy oat milk"})
        assert updated == {"task_id": 1, "status": "updated", "title": "Buy oat milk"}
        completed = await ok(client, "complete_task", {"task_id": 1})
        assert completed == {"task_id": 1, "status": "completed", "title": "Buy oat milk"}
        assert await ok(client, "list_tasks", {"status": "pending"}) == {
            "tasks": [{"id": 2, "title": "Call mum", "description": "Sunday", "completed": False}],
            "count": 1,
        }
        async with httpx.AsyncClient(base_url=url, headers=bearer("alice")) as http:
            listed = (await http.get("/api/alice/tasks")).json()
            deleted = await ok(client, "delete_task", {"task_id": 2})
            after = (await http.get("/api/alice/tasks")).json()
            undone = await ok(client, "undo_last_change", {})
            restored = (await http.get("/api/alice/tasks")).json()
    assert [(t["id"], t["title"], t["completed"]) for t in listed["tasks"]] == [
        (1, "Buy oat milk", True),
        (2, "Call mum", False),
    ]
    assert deleted == {"task_id": 2, "status": "deleted", "title": "Call mum"}
    assert [t["id"] for t in after["tasks"]] == [1]
    # The last change made over /mcp was the delete: undo brings task 2 back as it was.
    assert [(c["action"], c["task_id"]) for c in undone["undone"]] == [("restored", 2)]
    assert [(t["id"], t["title"], t["description"]) for t in restored["tasks"]] == [
        (1, "Buy oat milk", None),
        (2, "Call mum", "Sunday"),
    ]


async def test_tool_errors_are_readable(settings: Settings, engine: AsyncEngine) -> None:
    async with served(settings) as url, mcp_client(url, bearer("alice")) as client:
        assert await error(client, "complete_task", {"task_id": 9}) == "Task 9 was not found."
        assert await error(client, "delete_task", {"task_id": 9}) == "Task 9 was not found."
        assert "Task 9 was not found." in await error(
            client, "update_task", {"task_id": 9, "title": "x"}
        )
        assert "title" in await error(client, "add_task", {"title": "   "})
        assert "task_id" in await error(client, "complete_task", {"task_id": "nine"})
        assert "status" in await error(client, "list_tasks", {"status": "someday"})
        assert "new title or description" in await error(client, "update_task", {"task_id": 1})
    assert await all_task_rows(engine) == []


async def test_a_second_users_token_reaches_only_their_own_tasks(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with served(settings) as url:
        async with mcp_client(url, bearer("alice")) as alice:
            await ok(alice, "add_task", {"title": "Alice's secret"})
        async with mcp_client(url, bearer("bob")) as bob:
            assert await ok(bob, "list_tasks", {}) == {"tasks": [], "count": 0}
            assert await error(bob, "complete_task", {"task_id": 1}) == "Task 1 was not found."
            assert await error(bob, "delete_task", {"task_id": 1}) == "Task 1 was not found."
            assert "not found" in await error(bob, "update_task", {"task_id": 1, "title": "Mine"})
    assert await all_task_rows(engine) == [("alice", 1, "Alice's secret", None, False)]


@pytest.mark.parametrize("mode", MODES)
async def test_nothing_but_the_token_chooses_whose_tasks(
    settings: Settings, engine: AsyncEngine, mode: str
) -> None:
    """A client may send the bridge's own `_meta` key, a `user_id` argument and headers naming
    bob: it is still alice's token, so alice's tasks."""
    forged = cast(RequestParamsMeta, {USER_META_KEY: "bob", "user_id": "bob"})
    spoofing = {"X-User-Id": "bob", "X-Forwarded-User": "bob", "Cookie": "user_id=bob"}
    async with served(settings) as url:
        async with mcp_client(url, bearer("bob")) as bob:
            await ok(bob, "add_task", {"title": "Bob's task"})
        async with mcp_client(url, {**bearer("alice"), **spoofing}, mode) as alice:
            added = await alice.call_tool(
                "add_task", {"title": "Forged", "user_id": "bob", "owner": "bob"}, meta=forged
            )
            listed = await alice.call_tool("list_tasks", {"user_id": "bob"}, meta=forged)
            deleted = await alice.call_tool("delete_task", {"task_id": 1}, meta=forged)
            bobs = await alice.call_tool("complete_task", {"task_id": 2}, meta=forged)
    assert added.structured_content == {"task_id": 1, "status": "created", "title": "Forged"}
    assert isinstance(listed, CallToolResult)
    assert listed.structured_content == {
        "tasks": [{"id": 1, "title": "Forged", "description": None, "completed": False}],
        "count": 1,
    }
    # Task 1 was alice's own; bob has no task 2, and alice has none left either.
    assert deleted.structured_content == {"task_id": 1, "status": "deleted", "title": "Forged"}
    assert bobs.is_error
    assert await all_task_rows(engine) == [("bob", 1, "Bob's task", None, False)]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {token('alice', ttl=timedelta(seconds=-120))}"},
        {"Authorization": f"Bearer {token('alice') + 'x'}"},
        {"Authorization": f"Basic {token('alice')}"},
    ],
    ids=["missing", "malformed", "expired", "bad-signature", "not-bearer"],
)
async def test_no_valid_token_is_401_pointing_at_the_metadata(
    settings: Settings, engine: AsyncEngine, headers: dict[str, str]
) -> None:
    async with served(settings) as url:
        response = await post_tools_list(url, headers)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{url}{METADATA_PATH}"' in challenge
    assert "tools" not in response.text


async def test_a_token_from_another_issuer_is_401(settings: Settings, engine: AsyncEngine) -> None:
    issuer = "https://auth.example.test"
    async with served(settings, auth_issuer=issuer) as url:
        wrong = await post_tools_list(url, bearer("alice", issuer="https://evil.example"))
        # An access token for this resource (tests/mcp_tools/test_oauth_tokens.py has the rest).
        right = await post_tools_list(url, access_token(url, "alice", iss=issuer))
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert {tool["name"] for tool in right.json()["result"]["tools"]} == set(TOOLS)


@pytest.mark.parametrize(
    ("issuer", "named"), [("https://auth.example.test", "https://auth.example.test"), (None, "")]
)
async def test_the_metadata_document_names_the_issuer(
    settings: Settings, engine: AsyncEngine, issuer: str | None, named: str
) -> None:
    async with served(settings, auth_issuer=issuer) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            response = await http.get(METADATA_PATH)
    assert response.status_code == 200
    document = response.json()
    assert document["resource"] == f"{url}/mcp"
    # Without AUTH_ISSUER no authorization server is named: none exists to sign in with.
    assert document.get("authorization_servers") == ([named] if named else None)
    assert document["bearer_methods_supported"] == ["header"]


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 421),
        ("evil.example:8000", 421),
        ("127.0.0.1.evil.example", 421),
        ("todo.example.com", 200),
        ("todo.example.com:8443", 200),
        ("localhost:8000", 200),
    ],
)
async def test_only_loopback_and_allowed_hosts_are_served(
    settings: Settings, engine: AsyncEngine, host: str, status: int
) -> None:
    async with served(settings, mcp_allowed_hosts="todo.example.com") as url:
        response = await post_tools_list(url, {**bearer("alice"), "Host": host})
    assert response.status_code == status, response.text


async def test_a_foreign_browser_origin_is_refused(settings: Settings, engine: AsyncEngine) -> None:
    async with served(settings) as url:
        foreign = await post_tools_list(url, {**bearer("alice"), "Origin": "https://evil.example"})
        local = await post_tools_list(url, {**bearer("alice"), "Origin": "http://localhost:6274"})
    assert foreign.status_code == 403
    assert local.status_code == 200


async def test_tool_calls_are_limited_per_user(settings: Settings, engine: AsyncEngine) -> None:
    async with served(settings, mcp_calls_per_minute=3) as url:
        async with mcp_client(url, bearer("alice")) as alice:
            for title in ("one", "two", "three"):
                await ok(alice, "add_task", {"title": title})
            refused = await error(alice, "add_task", {"title": "four"})
            listing = await alice.call_tool("list_tasks", {})  # read-only calls count too
        async with mcp_client(url, bearer("bob")) as bob:
            await ok(bob, "add_task", {"title": "bob's first"})
    assert refused.startswith("Too many tool calls: at most 3 a minute. Retry in ")
    assert listing.is_error
    assert [(user, title) for user, _, title, *_ in await all_task_rows(engine)] == [
        ("alice", "one"),
        ("alice", "two"),
        ("alice", "three"),
        ("bob", "bob's first"),
    ]


async def test_the_api_keeps_its_own_answers_beside_mcp(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with served(settings) as url, httpx.AsyncClient(base_url=url) as http:
        unknown = await http.get("/nowhere", headers=bearer("alice"))
        wrong_method = await http.delete("/api/alice/tasks", headers=bearer("alice"))
        health = await http.get("/healthz")
    assert_error(unknown, 404, "not_found")
    assert_error(wrong_method, 405, "method_not_allowed")
    assert health.status_code == 200


async def test_get_and_head_on_mcp_are_405_not_a_silent_stream(
    settings: Settings, engine: AsyncEngine
) -> None:
    """The server offers no stream: with a valid token a GET opened one that never sent a
    byte, and with Last-Event-ID, or as HEAD, it was a plain 500."""
    headers = {**bearer("alice"), "Accept": "text/event-stream"}
    async with served(settings) as url, httpx.AsyncClient(base_url=url, timeout=5) as http:
        plain = await http.get("/mcp", headers=headers)
        resumed = await http.get("/mcp", headers={**headers, "Last-Event-ID": "1"})
        head = await http.head("/mcp", headers=headers)
        listed = await post_tools_list(url, bearer("alice"))
    for response in (plain, resumed):
        assert_error(response, 405, "method_not_allowed")
        assert response.headers["allow"] == "DELETE, POST"
    assert head.status_code == 405
    assert listed.status_code == 200


async def test_every_mcp_request_counts_toward_the_users_request_rate(
    settings: Settings, engine: AsyncEngine
) -> None:
    """tools/list was outside every limit (723 a second from one user)."""
    async with served(settings, rest_requests_per_minute=3) as url:
        listed = [await post_tools_list(url, bearer("alice")) for _ in range(3)]
        refused = await post_tools_list(url, bearer("alice"))
        bobs = await post_tools_list(url, bearer("bob"))
        no_token = await post_tools_list(url, {})
        async with httpx.AsyncClient(base_url=url) as http:
            rest = await http.get("/api/alice/tasks", headers=bearer("alice"))
    assert [r.status_code for r in listed] == [200] * 3
    assert_error(refused, 429, "rate_limited")
    assert int(refused.headers["retry-after"]) >= 1
    assert_error(rest, 429, "rate_limited")  # one budget for REST and /mcp
    assert bobs.status_code == 200
    assert no_token.status_code == 401


async def task_events(events: AsyncIterator[SSEEvent], count: int) -> list[dict[str, Any]]:
    """The next `count` task events of a live feed."""
    found: list[dict[str, Any]] = []
    async with asyncio.timeout(FEED_DEADLINE):
        async for event in events:
            if event.name == "task":
                found.append(event.data)
            if len(found) == count:
                return found
    raise AssertionError(f"the feed ended after {found}")


async def test_changes_over_mcp_are_on_the_users_live_feed(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with (
        served(settings) as url,
        httpx.AsyncClient(base_url=url, timeout=FEED_DEADLINE) as http,
        http.stream("GET", "/api/alice/events", headers=bearer("alice")) as feed,
        mcp_client(url, bearer("alice")) as client,
    ):
        assert feed.status_code == 200
        await ok(client, "add_task", {"title": "Buy milk"})
        await ok(client, "complete_task", {"task_id": 1})
        await ok(client, "delete_task", {"task_id": 1})
        events = await task_events(read_events(feed), 3)
    assert [(e["action"], e["task"].get("title"), e["task"].get("completed")) for e in events] == [
        ("created", "Buy milk", False),
        ("updated", "Buy milk", True),
        ("deleted", None, None),
    ]
    assert events[2]["task"] == {"id": 1}


async def test_replicas_share_the_limit_and_the_feed_through_redis(
    settings: Settings, engine: AsyncEngine, redis_url: str
) -> None:
    user = f"alice-{uuid.uuid4().hex[:8]}"  # the Redis may be shared: keys of this test's own
    shared = {"redis_url": redis_url, "mcp_calls_per_minute": 2}
    async with (
        served(settings, **shared) as first,
        served(settings, **shared) as second,
        httpx.AsyncClient(base_url=second, timeout=FEED_DEADLINE) as http,
        http.stream("GET", f"/api/{user}/events", headers=bearer(user)) as feed_on_second,
        mcp_client(first, bearer(user)) as on_first,
        mcp_client(second, bearer(user)) as on_second,
    ):
        await ok(on_first, "add_task", {"title": "made on the first"})
        await ok(on_second, "add_task", {"title": "made on the second"})
        refused = await error(on_first, "add_task", {"title": "one too many"})
        events = await task_events(read_events(feed_on_second), 2)
    assert refused.startswith("Too many tool calls: at most 2 a minute.")
    assert sorted(e["task"]["title"] for e in events) == ["made on the first", "made on the second"]
