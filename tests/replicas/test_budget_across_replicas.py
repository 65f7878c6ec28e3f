"""CHAT_TOKENS_PER_DAY across two replicas on one Redis: one budget, whichever replica
answers."""

from typing import Any

from backend.usage.budget import BudgetExhausted
from tests.replicas.conftest import StartReplicas

FAST_MODEL = ("--reply-words", "5")
# The fake provider reports about 1,300 input tokens per call here: several messages fit.
BUDGET = 6000


async def test_two_replicas_enforce_one_daily_budget(start_replicas: StartReplicas) -> None:
    async with start_replicas(
        FAST_MODEL, CHAT_REQUESTS_PER_MINUTE="1000", CHAT_TOKENS_PER_DAY=str(BUDGET)
    ) as replicas:
        first, second = replicas.clients
        spent: list[int] = []
        answered_by: list[int] = []
        refused: Any = None
        for turn in range(12):
            client = (first, second)[turn % 2]
            body = {"message": f"hello {turn}", "conversation_id": None}
            response = await client.http.post(
                "/api/bob/chat", json=body, headers=client.auth("bob")
            )
            if response.status_code == 429:
                refused = response
                break
            assert response.status_code == 200, response.text
            usage = response.json()["usage"]
            spent.append(usage["input_tokens"] + usage["output_tokens"])
            answered_by.append(turn % 2)
        other = (first, second)[(len(spent) + 1) % 2]  # the replica that did not refuse
        again = await other.http.post(
            "/api/bob/chat", json={"message": "hi", "conversation_id": None},
            headers=other.auth("bob"),
        )  # fmt: skip
        usage_seen = await other.http.get("/api/bob/usage", headers=other.auth("bob"))
    assert refused is not None, spent
    # Refused right after the budget was crossed, counting what both replicas spent: each
    # replica alone had spent less than the budget.
    assert sum(spent) >= BUDGET > sum(spent[:-1])
    assert set(answered_by) == {0, 1}
    assert sum(s for s, r in zip(spent, answered_by, strict=True) if r == 0) < BUDGET
    assert sum(s for s, r in zip(spent, answered_by, strict=True) if r == 1) < BUDGET
    for response in (refused, again):
        assert response.status_code == 429
        assert response.json()["code"] == "budget_exhausted"
        assert response.json()["detail"] == BudgetExhausted.detail
    assert usage_seen.json()["budget"]["used_today"] == sum(spent)
