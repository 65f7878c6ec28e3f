"""POST …/activity/{id}/undo: a deleted task returns whole with its number, a created one goes,
an update is reverted; a later change is a conflict, a second undo is refused, also when two
arrive at once; other users' entries do not exist."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.backend.support import assert_error, assert_no_leak
from tests.tokens import AuthHeaders

TASKS = "/api/alice/tasks"
ACTIVITY = "/api/alice/activity"
RICH = {
    "title": "Pay rent",
    "description": "by transfer",
    "priority": "high",
    "tags": ["home", "money"],
    "due_at": "2030-01-05T17:00:00Z",
    "recurrence": "monthly",
    "remind_at": "2030-01-05T09:00:00Z",
    "timezone": "Europe/Berlin",
}


@pytest.fixture
def alice(auth: AuthHeaders) -> dict[str, str]:
    return auth("alice")


async def newest_entry(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    entries: list[dict[str, Any]] = (
        await client.get(ACTIVITY, params={"limit": 1}, headers=headers)
    ).json()["activity"]
    return entries[0]


async def undo(client: httpx.AsyncClient, headers: dict[str, str], entry: int) -> httpx.Response:
    return await client.post(f"{ACTIVITY}/{entry}/undo", headers=headers)


async def test_a_deleted_task_returns_with_its_number_and_every_field(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await client.post(TASKS, json={"title": "first"}, headers=alice)
    task = (await client.post(TASKS, json=RICH, headers=alice)).json()
    assert (await client.delete(f"{TASKS}/2", headers=alice)).status_code == 204
    deleted = await newest_entry(client, alice)

    response = await undo(client, alice, deleted["id"])

    assert response.status_code == 200, response.text
    [restored] = response.json()["undone"]
    assert (restored["action"], restored["undo_of"], restored["task_id"]) == (
        "restored",
        deleted["id"],
        2,
    )
    back = (await client.get(f"{TASKS}/2", headers=alice)).json()
    assert {k: v for k, v in back.items() if k != "updated_at"} == {
        k: v for k, v in task.items() if k != "updated_at"
    }
    assert restored["after"] == back
    after_undo = (await client.get(ACTIVITY, headers=alice)).json()["activity"]
    assert after_undo[1]["undone_by"] == restored["id"]
    # Numbers are never reused: the next new task is 3.
    assert (await client.post(TASKS, json={"title": "new"}, headers=alice)).json()["id"] == 3


async def test_undoing_a_create_deletes_and_an_update_reverts(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await client.post(TASKS, json={"title": "Buy milk", "priority": "low"}, headers=alice)
    created = await newest_entry(client, alice)
    await client.patch(
        f"{TASKS}/1",
        json={"title": "Buy oat milk", "priority": "high", "completed": True},
        headers=alice,
    )
    updated = await newest_entry(client, alice)
    assert updated["action"] == "completed"

    [reverted] = (await undo(client, alice, updated["id"])).json()["undone"]
    assert reverted["action"] == "reopened"
    task = (await client.get(f"{TASKS}/1", headers=alice)).json()
    assert (task["title"], task["priority"], task["completed"]) == ("Buy milk", "low", False)

    [gone] = (await undo(client, alice, created["id"])).json()["undone"]
    assert (gone["action"], gone["after"]) == ("deleted", None)
    assert (await client.get(f"{TASKS}/1", headers=alice)).status_code == 404


async def test_a_task_changed_since_is_a_conflict_naming_the_later_entry(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await client.post(TASKS, json={"title": "a"}, headers=alice)
    await client.patch(f"{TASKS}/1", json={"title": "b"}, headers=alice)
    first_rename = await newest_entry(client, alice)
    await client.patch(f"{TASKS}/1", json={"title": "c"}, headers=alice)
    second_rename = await newest_entry(client, alice)

    response = await undo(client, alice, first_rename["id"])

    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "undo_conflict"
    assert body["later_entry_id"] == second_rename["id"]
    assert str(second_rename["id"]) in body["detail"]
    assert_no_leak(response)
    assert (await client.get(f"{TASKS}/1", headers=alice)).json()["title"] == "c"
    # Once the later change is undone, the earlier one can be too.
    assert (await undo(client, alice, second_rename["id"])).status_code == 200
    assert (await undo(client, alice, first_rename["id"])).status_code == 200
    assert (await client.get(f"{TASKS}/1", headers=alice)).json()["title"] == "a"


async def test_a_second_undo_is_already_undone(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await client.post(TASKS, json={"title": "a"}, headers=alice)
    await client.delete(f"{TASKS}/1", headers=alice)
    deleted = await newest_entry(client, alice)
    assert (await undo(client, alice, deleted["id"])).status_code == 200
    assert_error(await undo(client, alice, deleted["id"]), 409, "already_undone")


async def test_two_undos_at_once_one_wins_the_other_is_already_undone(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    for round_ in range(3):
        await client.post(TASKS, json={"title": f"t{round_}"}, headers=alice)
        task = (await newest_entry(client, alice))["task_id"]
        await client.delete(f"{TASKS}/{task}", headers=alice)
        deleted = await newest_entry(client, alice)

        responses = await asyncio.gather(*(undo(client, alice, deleted["id"]) for _ in range(2)))

        assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["code"] == "already_undone"
        restores = [
            e
            for e in (await client.get(ACTIVITY, headers=alice)).json()["activity"]
            if e["undo_of"] == deleted["id"]
        ]
        assert len(restores) == 1


async def test_other_users_entries_and_unknown_ids_are_404(
    client: httpx.AsyncClient, alice: dict[str, str], auth: AuthHeaders
) -> None:
    await client.post(TASKS, json={"title": "mine"}, headers=alice)
    entry = await newest_entry(client, alice)
    bob = auth("bob")
    assert_error(
        await client.post(f"/api/bob/activity/{entry['id']}/undo", headers=bob),
        404,
        "activity_not_found",
    )
    assert_error(await undo(client, alice, 99), 404, "activity_not_found")
    assert_error(
        await client.post("/api/bob/conversations/1/messages/2/undo", headers=bob),
        404,
        "message_not_found",
    )
    assert (await client.get(f"{TASKS}/1", headers=alice)).status_code == 200
