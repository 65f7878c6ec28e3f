"""Task REST routes (docs/api.md §6): every route's success path, numbering, and bad input."""

import json
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.support import assert_error, assert_no_leak, create_tasks
from tests.rows import task_rows
from tests.tokens import AuthHeaders

TASKS = "/api/alice/tasks"
TASK_KEYS = {
    *("id", "title", "description", "completed", "created_at", "updated_at", "completed_at"),
    *("priority", "tags", "due_at", "recurrence", "remind_at"),
}


@pytest.fixture
def alice(auth: AuthHeaders) -> dict[str, str]:
    return auth("alice")


def when(value: str) -> datetime:
    """Timestamps are ISO 8601 in UTC with a `Z`, as in docs/api.md §6's example."""
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


async def ids(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[int]:
    response = await client.get(TASKS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [task["id"] for task in response.json()["tasks"]]


def assert_validation_error(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    body = json.loads(response.content.decode("utf-8"))
    assert body["code"] == "validation_error"
    assert body["detail"]
    assert_no_leak(response)


# --- create, get, list -----------------------------------------------------------------------


async def test_a_new_user_has_an_empty_list(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.get(TASKS, headers=alice)
    assert response.status_code == 200
    assert response.json() == {"tasks": [], "total": 0}


async def test_create_returns_201_and_the_task(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    response = await client.post(
        TASKS, json={"title": "Buy milk", "description": "2 litres"}, headers=alice
    )
    assert response.status_code == 201
    task = response.json()
    assert set(task) == TASK_KEYS
    assert task["id"] == 1
    assert task["title"] == "Buy milk"
    assert task["description"] == "2 litres"
    assert task["completed"] is False
    assert task["completed_at"] is None
    assert when(task["created_at"]) == when(task["updated_at"])
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", "2 litres", False)]


async def test_create_without_description_stores_null(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(TASKS, json={"title": "Buy milk"}, headers=alice)
    assert response.status_code == 201
    assert response.json()["description"] is None


async def test_get_returns_the_created_task(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    [created] = await create_tasks(client, alice, "alice", "Buy milk")
    response = await client.get(f"{TASKS}/1", headers=alice)
    assert response.status_code == 200
    assert response.json() == created


async def test_get_unknown_task_is_404(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    await create_tasks(client, alice, "alice", "Buy milk")
    assert_error(await client.get(f"{TASKS}/2", headers=alice), 404, "task_not_found")


async def test_ids_are_numbered_per_user_and_never_reused(
    client: httpx.AsyncClient, auth: AuthHeaders, alice: dict[str, str]
) -> None:
    created = await create_tasks(client, alice, "alice", "one", "two", "three")
    assert [t["id"] for t in created] == [1, 2, 3]
    assert (await client.delete(f"{TASKS}/3", headers=alice)).status_code == 204
    assert (await client.delete(f"{TASKS}/1", headers=alice)).status_code == 204
    [fourth] = await create_tasks(client, alice, "alice", "four")
    assert fourth["id"] == 4
    assert await ids(client, alice) == [2, 4]
    [bobs] = await create_tasks(client, auth("bob"), "bob", "bob's first")
    assert bobs["id"] == 1


async def test_list_filters_by_status(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    await create_tasks(client, alice, "alice", "a", "b", "c", "d")
    for number in (2, 4):
        response = await client.patch(f"{TASKS}/{number}/complete", headers=alice)
        assert response.status_code == 200
    assert await ids(client, alice) == [1, 2, 3, 4]
    assert await ids(client, alice, status="all") == [1, 2, 3, 4]
    assert await ids(client, alice, status="pending") == [1, 3]
    assert await ids(client, alice, status="completed") == [2, 4]
    response = await client.get(TASKS, params={"status": "completed"}, headers=alice)
    assert response.json()["total"] == 2
    assert all(task["completed"] for task in response.json()["tasks"])


async def test_list_rejects_an_unknown_status(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    assert_validation_error(await client.get(TASKS, params={"status": "done"}, headers=alice))


async def test_search_matches_title_or_description_ignoring_case(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create_tasks(client, alice, "alice", "Buy MILK", "Walk the dog")
    response = await client.post(
        TASKS, json={"title": "Shopping", "description": "oat milk, bread"}, headers=alice
    )
    assert response.status_code == 201
    assert await ids(client, alice, q="milk") == [1, 3]
    assert await ids(client, alice, q="DOG") == [2]
    assert await ids(client, alice, q="nothing like this") == []


async def test_search_matches_percent_underscore_and_backslash_literally(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create_tasks(
        client, alice, "alice", "100% done", "1000 done", "snake_case", "snakeXcase", "a\\b", "ab"
    )
    assert await ids(client, alice, q="%") == [1]
    assert await ids(client, alice, q="0%") == [1]
    assert await ids(client, alice, q="_") == [3]
    assert await ids(client, alice, q="e_c") == [3]
    assert await ids(client, alice, q="\\") == [5]


async def test_search_combines_with_status_and_counts_matches(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create_tasks(client, alice, "alice", "milk", "more milk", "bread")
    await client.patch(f"{TASKS}/2/complete", headers=alice)
    response = await client.get(TASKS, params={"q": "milk", "status": "pending"}, headers=alice)
    assert [t["id"] for t in response.json()["tasks"]] == [1]
    assert response.json()["total"] == 1


async def test_limit_and_offset_page_through_with_the_full_total(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create_tasks(client, alice, "alice", *(f"task {n}" for n in range(1, 6)))
    pages = {
        (2, 0): [1, 2],
        (2, 2): [3, 4],
        (2, 4): [5],
        (2, 10): [],
        (200, 0): [1, 2, 3, 4, 5],
    }
    for (limit, offset), expected in pages.items():
        response = await client.get(TASKS, params={"limit": limit, "offset": offset}, headers=alice)
        assert response.status_code == 200
        assert [t["id"] for t in response.json()["tasks"]] == expected
        assert response.json()["total"] == 5


async def test_default_page_is_50_tasks(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    await create_tasks(client, alice, "alice", *(f"task {n}" for n in range(51)))
    response = await client.get(TASKS, headers=alice)
    assert len(response.json()["tasks"]) == 50
    assert response.json()["total"] == 51


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 201}, {"limit": "ten"}, {"offset": -1}],
    ids=["limit-0", "limit-201", "limit-text", "offset-negative"],
)
async def test_list_rejects_out_of_range_paging(
    client: httpx.AsyncClient, alice: dict[str, str], params: dict[str, Any]
) -> None:
    assert_validation_error(await client.get(TASKS, params=params, headers=alice))


# --- PUT, PATCH, toggle, DELETE --------------------------------------------------------------


async def test_put_replaces_title_and_clears_an_omitted_description(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    response = await client.post(
        TASKS, json={"title": "Buy milk", "description": "2 litres"}, headers=alice
    )
    created = response.json()
    response = await client.put(f"{TASKS}/1", json={"title": "Buy bread"}, headers=alice)
    assert response.status_code == 200
    task = response.json()
    assert task["id"] == 1
    assert task["title"] == "Buy bread"
    assert task["description"] is None
    assert task["completed"] is False
    assert task["created_at"] == created["created_at"]
    assert when(task["updated_at"]) > when(created["updated_at"])
    assert await task_rows(db_engine, "alice") == [(1, "Buy bread", None, False)]


async def test_put_changes_completed_only_when_given(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create_tasks(client, alice, "alice", "Buy milk")
    done = await client.put(
        f"{TASKS}/1", json={"title": "Buy milk", "completed": True}, headers=alice
    )
    assert done.json()["completed"] is True
    assert done.json()["completed_at"] is not None

    kept = await client.put(
        f"{TASKS}/1", json={"title": "Buy milk", "description": "soon"}, headers=alice
    )
    assert kept.json()["completed"] is True
    assert kept.json()["completed_at"] == done.json()["completed_at"]
    assert kept.json()["description"] == "soon"

    reopened = await client.put(
        f"{TASKS}/1", json={"title": "Buy milk", "completed": False}, headers=alice
    )
    assert reopened.json()["completed"] is False
    assert reopened.json()["completed_at"] is None


async def test_put_requires_a_title(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    await create_tasks(client, alice, "alice", "Buy milk")
    assert_validation_error(
        await client.put(f"{TASKS}/1", json={"description": "x"}, headers=alice)
    )


async def test_put_unknown_task_is_404(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    response = await client.put(f"{TASKS}/1", json={"title": "x"}, headers=alice)
    assert_error(response, 404, "task_not_found")


async def test_patch_changes_only_the_fields_given(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    await client.post(TASKS, json={"title": "Buy milk", "description": "2 litres"}, headers=alice)

    response = await client.patch(f"{TASKS}/1", json={"description": "3 litres"}, headers=alice)
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["description"]) == ("Buy milk", "3 litres")

    response = await client.patch(f"{TASKS}/1", json={"title": "Buy oat milk"}, headers=alice)
    assert (response.json()["title"], response.json()["description"]) == (
        "Buy oat milk",
        "3 litres",
    )
    assert response.json()["completed"] is False

    response = await client.patch(f"{TASKS}/1", json={}, headers=alice)
    assert response.status_code == 200
    assert await task_rows(db_engine, "alice") == [(1, "Buy oat milk", "3 litres", False)]


async def test_patch_description_null_clears_it(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await client.post(TASKS, json={"title": "Buy milk", "description": "2 litres"}, headers=alice)
    response = await client.patch(f"{TASKS}/1", json={"description": None}, headers=alice)
    assert response.status_code == 200
    assert response.json()["description"] is None
    assert response.json()["title"] == "Buy milk"


@pytest.mark.parametrize("field", ["title", "completed"])
async def test_patch_null_title_or_completed_is_422(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine, field: str
) -> None:
    await create_tasks(client, alice, "alice", "Buy milk")
    assert_validation_error(await client.patch(f"{TASKS}/1", json={field: None}, headers=alice))
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", None, False)]


async def test_patch_completed_sets_completed_at_once(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create_tasks(client, alice, "alice", "Buy milk")
    first = await client.patch(f"{TASKS}/1", json={"completed": True}, headers=alice)
    assert first.json()["completed"] is True
    assert first.json()["completed_at"] is not None
    again = await client.patch(f"{TASKS}/1", json={"completed": True}, headers=alice)
    assert again.json()["completed_at"] == first.json()["completed_at"]
    reopened = await client.patch(f"{TASKS}/1", json={"completed": False}, headers=alice)
    assert reopened.json()["completed"] is False
    assert reopened.json()["completed_at"] is None


async def test_patch_unknown_task_is_404(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    response = await client.patch(f"{TASKS}/7", json={"title": "x"}, headers=alice)
    assert_error(response, 404, "task_not_found")


async def test_complete_toggles_and_sets_then_clears_completed_at(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    [created] = await create_tasks(client, alice, "alice", "Buy milk")
    done = await client.patch(f"{TASKS}/1/complete", headers=alice)
    assert done.status_code == 200
    assert done.json()["completed"] is True
    assert when(done.json()["completed_at"]) >= when(created["created_at"])
    assert when(done.json()["updated_at"]) > when(created["updated_at"])
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", None, True)]

    undone = await client.patch(f"{TASKS}/1/complete", headers=alice)
    assert undone.json()["completed"] is False
    assert undone.json()["completed_at"] is None
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", None, False)]


async def test_complete_unknown_task_is_404(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    assert_error(await client.patch(f"{TASKS}/1/complete", headers=alice), 404, "task_not_found")


async def test_delete_is_204_then_404(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    await create_tasks(client, alice, "alice", "Buy milk", "Walk the dog")
    response = await client.delete(f"{TASKS}/1", headers=alice)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(await client.get(f"{TASKS}/1", headers=alice), 404, "task_not_found")
    assert_error(await client.delete(f"{TASKS}/1", headers=alice), 404, "task_not_found")
    assert await ids(client, alice) == [2]
    assert await task_rows(db_engine, "alice") == [(2, "Walk the dog", None, False)]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Buy\x00milk"},
        {"title": "Buy milk", "description": "two\x00litres"},
        {"title": ""},
        {"title": "   "},
        {"title": "\t\n "},
        {"title": "x" * 201},
        {"title": "Buy milk", "description": "x" * 1001},
        {"title": "Buy milk", "colour": "red"},
        {"title": "Buy milk", "user_id": "bob"},
        {"title": 42},
        {"description": "no title"},
        ["Buy milk"],
    ],
    ids=[
        "nul-title",
        "nul-description",
        "empty-title",
        "blank-title",
        "whitespace-title",
        "title-201",
        "description-1001",
        "unknown-field",
        "user-id-field",
        "title-not-a-string",
        "missing-title",
        "not-an-object",
    ],
)
async def test_create_rejects_bad_bodies_with_422(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine, body: Any
) -> None:
    assert_validation_error(await client.post(TASKS, json=body, headers=alice))
    assert await task_rows(db_engine, "alice") == []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "\\ud800"}',
        b'{"title": "ok", "description": "\\udfff tail"}',
        b'{"title": "\\ud83d"}',
        b'{"title": "\xff\xfe milk"}',
        b'{"title": "\xed\xa0\x80"}',
        b'{"title": ',
    ],
    ids=[
        "lone-high-surrogate",
        "lone-low-surrogate-description",
        "half-an-emoji",
        "invalid-utf8",
        "encoded-surrogate",
        "truncated-json",
    ],
)
async def test_unencodable_or_broken_bodies_are_422_with_valid_json(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine, raw: bytes
) -> None:
    headers = {**alice, "Content-Type": "application/json"}
    assert_validation_error(await client.post(TASKS, content=raw, headers=headers))
    assert await task_rows(db_engine, "alice") == []


async def test_update_routes_reject_unstorable_text(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    await create_tasks(client, alice, "alice", "Buy milk")
    headers = {**alice, "Content-Type": "application/json"}
    for method in ("PUT", "PATCH"):
        for raw in (b'{"title": "a\\u0000b"}', b'{"title": "\\ud800"}', b'{"title": "  "}'):
            response = await client.request(method, f"{TASKS}/1", content=raw, headers=headers)
            assert_validation_error(response)
    assert await task_rows(db_engine, "alice") == [(1, "Buy milk", None, False)]


async def test_search_with_a_nul_byte_is_422(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    assert_validation_error(await client.get(TASKS, params={"q": "milk\x00"}, headers=alice))


@pytest.mark.parametrize("task_id", ["abc", "1.5", "0", "-1", "2147483648", "99999999999999"])
async def test_bad_task_ids_are_422(
    client: httpx.AsyncClient, alice: dict[str, str], task_id: str
) -> None:
    path = f"{TASKS}/{task_id}"
    assert_validation_error(await client.get(path, headers=alice))
    assert_validation_error(await client.put(path, json={"title": "x"}, headers=alice))
    assert_validation_error(await client.patch(path, json={"title": "x"}, headers=alice))
    assert_validation_error(await client.patch(f"{path}/complete", headers=alice))
    assert_validation_error(await client.delete(path, headers=alice))


async def test_a_body_over_the_size_cap_is_413(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine
) -> None:
    body = json.dumps({"title": "Buy milk", "description": "x" * (64 * 1024)})
    response = await client.post(
        TASKS, content=body, headers={**alice, "Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")
    assert await task_rows(db_engine, "alice") == []


async def test_limits_are_inclusive(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    response = await client.post(
        TASKS, json={"title": "t" * 200, "description": "d" * 1000}, headers=alice
    )
    assert response.status_code == 201
    assert len(response.json()["title"]) == 200
    assert len(response.json()["description"]) == 1000


# --- Unicode ---------------------------------------------------------------------------------

UNICODE_TITLES = {
    "emoji": "Buy 🥛 and 🍞",
    "zwj-sequences": "👩‍💻 ship it with 👨‍👩‍👧‍👦",
    "flag": "Visit 🇯🇵",
    "arabic": "اشترِ الحليب",
    "hebrew": "לקנות חלב",
    "mixed-direction": "Call \u200fأحمد\u200f at 5",
    "combining-marks": "Cafe\u0301 au lait",
    "astral-plane": "𝄞 practice scales 𓂀 𠜎",
}


@pytest.mark.parametrize("title", UNICODE_TITLES.values(), ids=UNICODE_TITLES.keys())
async def test_unicode_round_trips_exactly(
    client: httpx.AsyncClient, alice: dict[str, str], db_engine: AsyncEngine, title: str
) -> None:
    description = f"{title}\n  second line\t"
    response = await client.post(
        TASKS, json={"title": title, "description": description}, headers=alice
    )
    assert response.status_code == 201
    assert response.json()["title"] == title
    assert response.json()["description"] == description
    fetched = (await client.get(f"{TASKS}/1", headers=alice)).json()
    assert fetched["title"].encode("utf-8") == title.encode("utf-8")
    assert fetched["description"].encode("utf-8") == description.encode("utf-8")
    assert await task_rows(db_engine, "alice") == [(1, title, description, False)]


async def test_unicode_search_finds_the_task(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create_tasks(client, alice, "alice", *UNICODE_TITLES.values())
    assert await ids(client, alice, q="الحليب") == [4]
    assert await ids(client, alice, q="e\u0301") == [7]
    assert await ids(client, alice, q="👨‍👩‍👧‍👦") == [2]


async def test_title_length_counts_characters_not_bytes(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(TASKS, json={"title": "🥛" * 200}, headers=alice)
    assert response.status_code == 201
    assert response.json()["title"] == "🥛" * 200
    assert_validation_error(await client.post(TASKS, json={"title": "🥛" * 201}, headers=alice))


async def test_title_trimming_strips_only_the_ends(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(TASKS, json={"title": " \t Buy  milk\tnow \n"}, headers=alice)
    assert response.json()["title"] == "Buy  milk\tnow"
    response = await client.post(TASKS, json={"title": "  " + "t" * 200 + "  "}, headers=alice)
    assert response.status_code == 201
    assert response.json()["title"] == "t" * 200
    response = await client.patch(f"{TASKS}/1", json={"title": "  Buy bread  "}, headers=alice)
    assert response.json()["title"] == "Buy bread"
    response = await client.put(f"{TASKS}/1", json={"title": "\nBuy oats\n"}, headers=alice)
    assert response.json()["title"] == "Buy oats"
