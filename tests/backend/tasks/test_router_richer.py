"""The richer task fields over REST: writing them, every bad value a 422 naming the field,
the filter and sort matrix, tags, and completing a recurring task."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.support import assert_no_leak
from tests.tokens import AuthHeaders

TASKS = "/api/alice/tasks"
SOON = datetime.now(UTC) + timedelta(days=3)


@pytest.fixture
def alice(auth: AuthHeaders) -> dict[str, str]:
    return auth("alice")


def iso(moment: datetime) -> str:
    return moment.isoformat()


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> Any:
    response = await client.post(TASKS, json={"title": "t", **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def ids(client: httpx.AsyncClient, headers: dict[str, str], params: Any) -> list[int]:
    response = await client.get(TASKS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [task["id"] for task in response.json()["tasks"]]


def invalid_fields(response: httpx.Response) -> set[str]:
    """The fields (and list positions) a 422's issues name in their locations."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert_no_leak(response)
    return {str(part) for issue in body["detail"] for part in issue["loc"]}


async def test_create_stores_and_returns_the_richer_fields(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    task = await create(
        client,
        alice,
        title="Pay rent",
        priority="high",
        tags=["  Home ", "bills", "HOME", "money"],
        due_at="2026-12-04T17:00:00+01:00",
        recurrence="monthly",
        remind_at="2026-12-04T09:00:00+01:00",
    )
    assert task["priority"] == "high"
    assert task["tags"] == ["home", "bills", "money"]  # trimmed, lower-cased, first kept
    assert task["due_at"] == "2026-12-04T16:00:00Z"  # stored and shown in UTC
    assert task["recurrence"] == "monthly"
    assert task["remind_at"] == "2026-12-04T08:00:00Z"
    fetched = await client.get(f"{TASKS}/{task['id']}", headers=alice)
    assert fetched.json() == task


async def test_a_plain_task_has_empty_richer_fields(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    task = await create(client, alice)
    assert {k: task[k] for k in ("priority", "tags", "due_at", "recurrence", "remind_at")} == {
        "priority": None,
        "tags": [],
        "due_at": None,
        "recurrence": None,
        "remind_at": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"priority": "urgent"}, "priority"),
        ({"tags": [f"t{n}" for n in range(11)]}, "tags"),
        ({"tags": ["x" * 31]}, 0),
        ({"tags": ["   "]}, 0),
        ({"tags": ["İ" * 30]}, 0),  # 60 characters once lower-cased
        ({"tags": [" " + "x" * 30]}, 0),  # 31 as sent
        ({"tags": "work"}, "tags"),
        ({"due_at": "2026-12-05T10:00:00"}, "due_at"),  # no offset
        ({"due_at": "2026-12-05"}, "due_at"),
        ({"due_at": "next friday"}, "due_at"),
        ({"remind_at": "2026-12-05T10:00:00"}, "remind_at"),
        ({"recurrence": "daily"}, "recurrence"),  # without a due date
        ({"recurrence": "yearly", "due_at": "2026-12-05T10:00:00Z"}, "recurrence"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
async def test_every_bad_value_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    db_engine: AsyncEngine,
    body: dict[str, Any],
    field: str | int,
) -> None:
    for method, path in (("POST", TASKS), ("PUT", f"{TASKS}/1")):
        if method == "PUT":
            await create(client, alice)
        response = await client.request(method, path, json={"title": "t", **body}, headers=alice)
        assert str(field) in invalid_fields(response), method
    response = await client.patch(f"{TASKS}/1", json=body, headers=alice)
    assert str(field) in invalid_fields(response)
    async with db_engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM tasks"))).scalar()
    assert count == 1


async def test_ten_tags_of_thirty_characters_are_fine(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    tags = [f"{n}" + "x" * 29 for n in range(10)]
    assert (await create(client, alice, tags=tags))["tags"] == tags


async def test_patch_recurrence_on_a_task_without_due_date_is_422(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create(client, alice)
    response = await client.patch(f"{TASKS}/1", json={"recurrence": "daily"}, headers=alice)
    assert "recurrence" in invalid_fields(response)
    await create(client, alice, due_at=iso(SOON), recurrence="weekly")
    response = await client.patch(f"{TASKS}/2", json={"due_at": None}, headers=alice)
    assert "due_at" in invalid_fields(response)
    task = (await client.get(f"{TASKS}/2", headers=alice)).json()
    assert task["recurrence"] == "weekly"
    assert task["due_at"] is not None


async def test_patch_changes_and_clears_the_richer_fields(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create(client, alice, priority="low", tags=["a"], due_at=iso(SOON))
    response = await client.patch(
        f"{TASKS}/1", json={"priority": None, "tags": ["b", "c"]}, headers=alice
    )
    assert response.status_code == 200, response.text
    task = response.json()
    assert (task["priority"], task["tags"], task["next_task_id"]) == (None, ["b", "c"], None)
    assert task["due_at"] is not None  # untouched
    response = await client.patch(f"{TASKS}/1", json={"tags": None}, headers=alice)
    assert response.status_code == 422


async def test_put_replaces_the_richer_fields(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create(client, alice, priority="low", tags=["a"], due_at=iso(SOON))
    response = await client.put(f"{TASKS}/1", json={"title": "new"}, headers=alice)
    task = response.json()
    assert (task["priority"], task["tags"], task["due_at"]) == (None, [], None)


# --- filters and sorts -----------------------------------------------------------------------


@pytest.fixture
async def mixed(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    """Six tasks for the filter and sort matrix (ids 1-6)."""
    now = datetime.now(UTC)
    await create(
        client, alice, title="b", priority="low", tags=["work"], due_at=iso(now + timedelta(days=2))
    )
    await create(
        client,
        alice,
        title="a",
        priority="high",
        tags=["work", "urgent"],
        due_at=iso(now - timedelta(days=1)),
    )
    await create(client, alice, title="d", tags=["home"])
    await create(client, alice, title="c", priority="medium", due_at=iso(now - timedelta(days=2)))
    await create(
        client,
        alice,
        title="e",
        priority="high",
        tags=["work"],
        due_at=iso(now + timedelta(days=9)),
    )
    await create(client, alice, title="f", due_at=iso(now - timedelta(hours=1)))
    done = await client.patch(f"{TASKS}/6", json={"completed": True}, headers=alice)
    assert done.status_code == 200


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [1, 2, 3, 4, 5, 6]),
        ({"priority": "high"}, [2, 5]),
        ({"priority": "low"}, [1]),
        ({"tag": "work"}, [1, 2, 5]),
        ({"tag": ["work", "urgent"]}, [2]),
        ({"tag": ["WORK", " urgent "]}, [2]),
        ({"tag": ["work", "home"]}, []),
        ({"overdue": "true"}, [2, 4]),  # 6 is past due but completed
        ({"overdue": "false"}, [1, 2, 3, 4, 5, 6]),
        ({"tag": "work", "overdue": "true"}, [2]),
        ({"status": "completed"}, [6]),
        ({"priority": "high", "status": "pending", "q": "e"}, [5]),
    ],
)
async def test_filters(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    mixed: None,
    params: dict[str, Any],
    expected: list[int],
) -> None:
    assert await ids(client, alice, params) == expected


async def test_due_before_and_after(
    client: httpx.AsyncClient, alice: dict[str, str], mixed: None
) -> None:
    now = datetime.now(UTC)
    assert await ids(client, alice, {"due_before": iso(now)}) == [2, 4, 6]
    assert await ids(client, alice, {"due_after": iso(now)}) == [1, 5]
    window = {
        "due_after": iso(now - timedelta(days=1, hours=1)),
        "due_before": iso(now + timedelta(days=3)),
    }
    assert await ids(client, alice, window) == [1, 2, 6]
    # An offset other than UTC means the same instant.
    berlin = (now + timedelta(days=3)).astimezone(timezone(timedelta(hours=1))).isoformat()
    assert await ids(client, alice, {"due_after": iso(now), "due_before": berlin}) == [1]


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("id", "asc", [1, 2, 3, 4, 5, 6]),
        ("id", "desc", [6, 5, 4, 3, 2, 1]),
        ("due_at", "asc", [4, 2, 6, 1, 5, 3]),  # no due date last
        ("due_at", "desc", [5, 1, 6, 2, 4, 3]),  # ... either way
        ("priority", "asc", [2, 5, 4, 1, 3, 6]),  # high first, ties by id, none last
        ("priority", "desc", [1, 4, 2, 5, 3, 6]),
        ("title", "asc", [2, 1, 4, 3, 5, 6]),
        ("title", "desc", [6, 5, 3, 4, 1, 2]),
        ("created_at", "asc", [1, 2, 3, 4, 5, 6]),
        ("updated_at", "desc", [6, 5, 4, 3, 2, 1]),
    ],
)
async def test_sorts(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    mixed: None,
    sort: str,
    order: str,
    expected: list[int],
) -> None:
    assert await ids(client, alice, {"sort": sort, "order": order}) == expected


async def test_sort_and_filter_page_together(
    client: httpx.AsyncClient, alice: dict[str, str], mixed: None
) -> None:
    response = await client.get(
        TASKS, params={"sort": "priority", "tag": "work", "limit": 2, "offset": 1}, headers=alice
    )
    body = response.json()
    assert [t["id"] for t in body["tasks"]] == [5, 1]
    assert body["total"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"priority": "urgent"}, "priority"),
        ({"tag": "x" * 31}, 0),
        ({"tag": [f"t{n}" for n in range(11)]}, "tag"),
        ({"due_before": "2026-12-05T10:00:00"}, "due_before"),
        ({"due_after": "tomorrow"}, "due_after"),
        ({"overdue": "maybe"}, "overdue"),
        ({"sort": "colour"}, "sort"),
        ({"order": "up"}, "order"),
    ],
)
async def test_bad_filters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, alice: dict[str, str], params: dict[str, Any], field: str | int
) -> None:
    response = await client.get(TASKS, params=params, headers=alice)
    assert str(field) in invalid_fields(response)


# --- tags ------------------------------------------------------------------------------------


async def test_tags_lists_each_tag_with_its_count_only_for_the_owner(
    client: httpx.AsyncClient, alice: dict[str, str], auth: AuthHeaders, mixed: None
) -> None:
    bob = auth("bob")
    await client.post("/api/bob/tasks", json={"title": "x", "tags": ["secret"]}, headers=bob)
    response = await client.get("/api/alice/tags", headers=alice)
    assert response.status_code == 200
    assert response.json() == {
        "tags": [
            {"name": "work", "count": 3},
            {"name": "home", "count": 1},
            {"name": "urgent", "count": 1},
        ]
    }
    assert (await client.get("/api/bob/tags", headers=bob)).json() == {
        "tags": [{"name": "secret", "count": 1}]
    }
    assert (await client.get("/api/bob/tags", headers=alice)).status_code == 403


# --- recurring tasks -------------------------------------------------------------------------


async def test_completing_a_recurring_task_creates_the_next_occurrence(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2, hours=1)
    first = await create(
        client,
        alice,
        title="Water plants",
        description="balcony",
        priority="medium",
        tags=["home"],
        due_at=iso(due),
        recurrence="daily",
        remind_at=iso(due - timedelta(minutes=30)),
    )
    await create(client, alice, title="other")
    response = await client.patch(f"{TASKS}/1", json={"completed": True}, headers=alice)
    assert response.status_code == 200
    done = response.json()
    assert done["completed"] is True
    assert done["next_task_id"] == 3
    following = (await client.get(f"{TASKS}/3", headers=alice)).json()
    copied = ("title", "description", "priority", "tags", "recurrence")
    assert {k: following[k] for k in copied} == {k: first[k] for k in copied}
    assert following["completed"] is False
    next_due = datetime.fromisoformat(following["due_at"])
    assert next_due == due + timedelta(days=3)  # moved day by day until in the future
    assert datetime.fromisoformat(following["remind_at"]) == next_due - timedelta(minutes=30)

    # Un-completing creates nothing; completing the same task again is a new completion.
    undone = await client.patch(f"{TASKS}/1", json={"completed": False}, headers=alice)
    assert undone.json()["next_task_id"] is None
    again = await client.patch(f"{TASKS}/1", json={"completed": True}, headers=alice)
    assert again.json()["next_task_id"] == 4
    # Completing what is already completed creates nothing.
    repeat = await client.patch(f"{TASKS}/1", json={"completed": True}, headers=alice)
    assert repeat.json()["next_task_id"] is None
    assert await ids(client, alice, {}) == [1, 2, 3, 4]


async def test_toggle_and_put_complete_recurring_tasks_too(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create(client, alice, due_at=iso(SOON), recurrence="weekly")
    toggled = (await client.patch(f"{TASKS}/1/complete", headers=alice)).json()
    assert toggled["next_task_id"] == 2
    untoggled = (await client.patch(f"{TASKS}/1/complete", headers=alice)).json()
    assert untoggled["next_task_id"] is None
    body = {"title": "t", "due_at": iso(SOON), "recurrence": "weekly", "completed": True}
    replaced = (await client.put(f"{TASKS}/2", json=body, headers=alice)).json()
    assert replaced["next_task_id"] == 3
    third = (await client.get(f"{TASKS}/3", headers=alice)).json()
    assert datetime.fromisoformat(third["due_at"]) == SOON.replace(
        microsecond=SOON.microsecond
    ) + timedelta(weeks=1)


async def test_completing_a_plain_task_has_no_next_task(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    await create(client, alice, due_at=iso(SOON))
    done = (await client.patch(f"{TASKS}/1/complete", headers=alice)).json()
    assert done["next_task_id"] is None
    assert await ids(client, alice, {}) == [1]


async def test_a_recurrence_follows_the_zone_it_was_given(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    """9:00 in Berlin before the spring DST change is 9:00 in Berlin after it."""
    body = {
        "due_at": "2030-03-30T09:00:00+01:00",
        "recurrence": "daily",
        "timezone": "Europe/Berlin",
    }
    await create(client, alice, **body)
    await client.patch(f"{TASKS}/1/complete", headers=alice)
    following = (await client.get(f"{TASKS}/2", headers=alice)).json()
    assert following["due_at"] == "2030-03-31T07:00:00Z"  # 09:00+02:00


async def test_an_idempotent_create_with_dates_replays(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    body = {"title": "t", "due_at": iso(SOON), "remind_at": iso(SOON), "tags": ["a"]}
    headers = {**alice, "Idempotency-Key": "richer-1"}
    first = await client.post(TASKS, json=body, headers=headers)
    again = await client.post(TASKS, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert await ids(client, alice, {}) == [1]
