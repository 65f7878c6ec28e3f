"""GET /api/{user_id}/activity: every REST change is an entry, newest first, paged and
filtered, only the owner's."""

from typing import Any

import httpx
import pytest

from tests.backend.support import assert_error
from tests.tokens import AuthHeaders

TASKS = "/api/alice/tasks"
ACTIVITY = "/api/alice/activity"


@pytest.fixture
def alice(auth: AuthHeaders) -> dict[str, str]:
    return auth("alice")


async def activity(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get(ACTIVITY, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_each_rest_change_is_recorded_with_before_and_after(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    created = await client.post(TASKS, json={"title": "Buy milk", "tags": ["home"]}, headers=alice)
    await client.patch(f"{TASKS}/1", json={"title": "Buy oat milk"}, headers=alice)
    await client.patch(f"{TASKS}/1/complete", headers=alice)
    await client.patch(f"{TASKS}/1/complete", headers=alice)
    await client.delete(f"{TASKS}/1", headers=alice)

    body = await activity(client, alice)
    entries = body["activity"]
    assert [e["action"] for e in entries] == [
        "deleted",
        "reopened",
        "completed",
        "updated",
        "created",
    ]
    assert [e["id"] for e in entries] == [5, 4, 3, 2, 1]
    assert body["next_before"] is None
    assert {e["source"] for e in entries} == {"rest"}
    assert {e["task_id"] for e in entries} == {1}
    assert all(e["conversation_id"] is None and e["message_id"] is None for e in entries)
    assert all(e["undo_of"] is None and e["undone_by"] is None for e in entries)
    first = entries[-1]
    assert first["before"] is None
    assert first["after"] == created.json()
    renamed = entries[-2]
    assert (renamed["before"]["title"], renamed["after"]["title"]) == ("Buy milk", "Buy oat milk")
    deleted = entries[0]
    assert deleted["after"] is None
    assert deleted["before"]["tags"] == ["home"]
    assert set(deleted["before"]) == set(created.json())  # the task's shape, nothing internal


async def test_pages_go_back_with_next_before_and_filters_narrow(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    for title in ("one", "two", "three"):
        await client.post(TASKS, json={"title": title}, headers=alice)
    await client.patch(f"{TASKS}/2", json={"title": "deux"}, headers=alice)

    page = await activity(client, alice, limit=3)
    assert [e["id"] for e in page["activity"]] == [4, 3, 2]
    assert page["next_before"] == 2
    rest = await activity(client, alice, limit=3, before=page["next_before"])
    assert [e["id"] for e in rest["activity"]] == [1]
    assert rest["next_before"] is None

    about_two = await activity(client, alice, task_id=2)
    assert [e["id"] for e in about_two["activity"]] == [4, 2]
    assert (await activity(client, alice, conversation_id=1))["activity"] == []


async def test_only_the_owner_sees_their_activity(
    client: httpx.AsyncClient, alice: dict[str, str], auth: AuthHeaders
) -> None:
    await client.post(TASKS, json={"title": "private"}, headers=alice)
    bob = auth("bob")
    response = await client.get("/api/bob/activity", headers=bob)
    assert response.json() == {"activity": [], "next_before": None}
    assert (await client.get(ACTIVITY, headers=bob)).status_code == 403
    assert (await client.get(ACTIVITY)).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"before": "x"},
        {"before": 0},
        {"task_id": "1.5"},
        {"conversation_id": -1},
        {"before": "\x00"},
    ],
)
async def test_bad_query_values_are_422(
    client: httpx.AsyncClient, alice: dict[str, str], params: dict[str, Any]
) -> None:
    assert_error(await client.get(ACTIVITY, params=params, headers=alice), 422, "validation_error")
