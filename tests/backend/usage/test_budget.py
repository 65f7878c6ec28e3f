"""CHAT_TOKENS_PER_DAY: the daily budget, counted per model call through the broker."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.broker.memory import MemoryBroker
from backend.broker.redis import RedisBroker
from backend.http.errors import BrokerUnavailable
from backend.settings import Settings
from backend.usage.budget import BudgetExhausted, TokenBudget
from tests.backend.approvals.confirming import pending
from tests.backend.chatkit.client import ChatKit, errors
from tests.backend.conversations.chatting import Chat, tool_call
from tests.backend.support import create_tasks
from tests.fakes.openai_frames import Call, Reply, ToolCalls, sequential
from tests.processes import free_port
from tests.providers import provider_app
from tests.rows import task_titles
from tests.tokens import AuthHeaders

ADD = {"title": "Buy milk"}
ADDED = {"task_id": 1, "status": "created", "title": "Buy milk"}


async def test_a_budget_admits_until_spent_and_resets_at_midnight_utc() -> None:
    now = [datetime(2026, 3, 10, 22, 0, tzinfo=UTC)]
    budget = TokenBudget(MemoryBroker(), 1000, clock=lambda: now[0])
    await budget.admit("alice")
    assert await budget.spend("alice", 600) is False
    await budget.admit("alice")  # 600 of 1000: still admitted
    assert await budget.spend("alice", 400) is True
    with pytest.raises(BudgetExhausted) as refused:
        await budget.admit("alice")
    assert refused.value.headers == {"Retry-After": str(2 * 3600)}
    assert refused.value.extra == {"resets_at": "2026-03-11T00:00:00Z"}
    await budget.admit("bob")  # each user has their own
    state = await budget.state("alice")
    assert (state.used_today, state.remaining) == (1000, 0)
    now[0] = datetime(2026, 3, 11, 0, 0, 1, tzinfo=UTC)
    await budget.admit("alice")
    assert (await budget.state("alice")).used_today == 0


async def test_a_run_goes_on_when_the_broker_cannot_count() -> None:
    gone = RedisBroker(f"redis://127.0.0.1:{free_port()}")  # nothing listens there
    try:
        spend = TokenBudget(gone, 1000).spender("alice")
        assert spend is not None
        assert await spend(5000) is False
        with pytest.raises(BrokerUnavailable):  # a new message is refused with 503 instead
            await TokenBudget(gone, 1000).admit("alice")
    finally:
        await gone.close()


async def test_no_budget_counts_nothing_and_admits_everyone() -> None:
    broker = MemoryBroker()
    budget = TokenBudget(broker, 0)
    assert await budget.spend("alice", 10**9) is False
    await budget.admit("alice")
    assert budget.spender("alice") is None
    assert (await budget.state("alice")).used_today is None


async def test_a_run_crossing_the_budget_finishes_its_call_and_starts_no_other(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    # The fake provider reports ~2,000 input tokens a call: the first call crosses 100.
    script = sequential([ToolCalls([Call("add_task", ADD, call_id="call_add")]), Reply("Done.")])
    async with provider_app(
        settings, "responses", script=script, chat_tokens_per_day=100
    ) as provider:
        chat = Chat(provider.client, auth("alice"))
        answer = await chat.answer("Add a task to buy milk")
        refused = await chat.send("And bread", 1)
        usage = await provider.client.get("/api/alice/usage", headers=auth("alice"))
        stored = await chat.messages(1)
        calls = len(provider.route.calls)
    # The call in flight finished and the tool it asked for ran; no second call started.
    assert calls == 1
    assert await task_titles(db_engine, "alice") == [(1, "Buy milk")]
    assert answer["status"] == "stopped"
    assert answer["tool_calls"] == [tool_call("call_add", "add_task", ADD, ADDED)]
    assert answer["usage"]["requests"] == 1
    assert stored[-1]["status"] == "stopped"
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"detail", "code", "resets_at"}
    assert (body["code"], body["detail"]) == ("budget_exhausted", BudgetExhausted.detail)
    assert body["resets_at"].endswith("T00:00:00Z")
    assert int(refused.headers["retry-after"]) > 0
    assert [m["role"] for m in stored] == ["user", "assistant"]  # the refused one not stored
    budget = usage.json()["budget"]
    spent = answer["usage"]["input_tokens"] + answer["usage"]["output_tokens"]
    assert (budget["tokens_per_day"], budget["used_today"], budget["remaining"]) == (100, spent, 0)


async def test_chatkit_says_the_budget_is_spent(settings: Settings, auth: AuthHeaders) -> None:
    script = sequential([Reply("Hello."), Reply("Hello again.")])
    async with provider_app(settings, "responses", script=script, chat_tokens_per_day=1) as app:
        chatkit = ChatKit(app.client, auth("alice"))
        first = await chatkit.create("Hi")
        second = await chatkit.create("Hi again")
    assert errors(first) == []
    assert [error.message for error in errors(second)] == [BudgetExhausted.detail]


async def test_a_retry_past_the_budget_is_refused_before_anything_is_deleted(
    settings: Settings, auth: AuthHeaders
) -> None:
    script = sequential([Reply("Hello."), Reply("Hello again.")])
    async with provider_app(settings, "responses", script=script, chat_tokens_per_day=100) as app:
        chat = Chat(app.client, auth("alice"))
        await chat.answer("Hi")  # ~2,000 tokens: the budget is spent
        before = await chat.messages(1)
        retried = await app.client.post(
            "/api/alice/conversations/1/messages/1/retry", headers=auth("alice")
        )
        after = await chat.messages(1)
        calls = len(app.route.calls)
    assert retried.status_code == 429
    assert retried.json()["code"] == "budget_exhausted"
    assert int(retried.headers["retry-after"]) > 0
    assert after == before  # the answer is still there
    assert calls == 1


async def test_a_decision_past_the_budget_is_refused_and_the_call_still_waits(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    delete = ToolCalls([Call("delete_task", {"task_id": 1}, call_id="call_del")])
    script = sequential([delete, Reply("Deleted it.")])
    async with provider_app(settings, "responses", script=script, chat_tokens_per_day=100) as app:
        chat = Chat(app.client, auth("alice"))
        await create_tasks(chat.http, chat.headers, "alice", "Buy milk")
        paused = await chat.answer("delete buy milk")  # the call crosses the budget
        path = "/api/alice/conversations/1/approvals"
        decided = await app.client.post(path, json={"approve": True}, headers=auth("alice"))
        one = await app.client.post(
            f"{path}/call_del", json={"approve": True}, headers=auth("alice")
        )
        still = await pending(chat, 1)
        calls = len(app.route.calls)
    assert paused["status"] == "awaiting_approval"
    for refused in (decided, one):
        assert refused.status_code == 429
        assert refused.json()["code"] == "budget_exhausted"
    assert [waiting["id"] for waiting in still] == ["call_del"]  # nothing was decided
    assert await task_titles(db_engine, "alice") == [(1, "Buy milk")]
    assert calls == 1
