"""Changes and their entries under real concurrency: completing a recurring task (which
creates the next one) while the same user creates tasks never deadlocks, and every change
keeps exactly one entry."""

import asyncio

import httpx
import pytest

from tests.tokens import AuthHeaders

ROUNDS = 5


@pytest.fixture
def alice(auth: AuthHeaders) -> dict[str, str]:
    return auth("alice")


async def test_completing_a_recurring_task_while_creating_others(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    recurring = {"title": "water", "due_at": "2030-01-01T09:00:00Z", "recurrence": "daily"}
    for _ in range(ROUNDS):
        task = (await client.post("/api/alice/tasks", json=recurring, headers=alice)).json()
        responses = await asyncio.gather(
            client.patch(f"/api/alice/tasks/{task['id']}/complete", headers=alice),
            *(
                client.post("/api/alice/tasks", json={"title": "x"}, headers=alice)
                for _ in range(3)
            ),
        )
        assert [r.status_code for r in responses] == [200, 201, 201, 201], [
            r.text for r in responses
        ]
    tasks = (await client.get("/api/alice/tasks", params={"limit": 200}, headers=alice)).json()
    entries = (
        await client.get("/api/alice/activity", params={"limit": 200}, headers=alice)
    ).json()["activity"]
    # One entry per created task, plus one per completion.
    assert len(entries) == tasks["total"] + ROUNDS
    assert [e["id"] for e in entries] == list(range(len(entries), 0, -1))
