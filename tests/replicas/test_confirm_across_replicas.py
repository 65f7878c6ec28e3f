"""A run paused for the person's decision lives in PostgreSQL, not in the replica that
paused it: the other replica lists it and resumes it."""

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.replicas.conftest import StartReplicas
from tests.rows import task_titles


async def test_a_paused_delete_is_decided_on_the_other_replica(
    start_replicas: StartReplicas, db_engine: AsyncEngine
) -> None:
    async with start_replicas(CHAT_MODEL="offline") as replicas:
        first, second = replicas.clients
        created = await first.http.post(
            "/api/alice/tasks", json={"title": "Buy milk"}, headers=first.auth("alice")
        )
        assert created.status_code == 201, created.text
        asking = first.chat("Delete task 1")
        await asking.finished()
        done = asking.events[-1].data
        assert done["status"] == "awaiting_approval"
        (asked,) = done["approvals"]

        listed = (await second.get("/conversations/1")).json()["pending_approvals"]
        assert [a["id"] for a in listed] == [asked["id"]]
        decided = second.view(
            "POST", f"/api/alice/conversations/1/approvals/{asked['id']}", json={"approve": True}
        )
        await decided.finished()

        assert decided.status == 200
        result = decided.events[-1].data
        assert result["status"] == "completed"
        assert [c["output"]["status"] for c in result["tool_calls"]] == ["deleted"]
        again = await first.http.post(
            f"/api/alice/conversations/1/approvals/{asked['id']}",
            json={"approve": True},
            headers=first.auth("alice"),
        )
        assert again.status_code == 409
    assert await task_titles(db_engine, "alice") == []
