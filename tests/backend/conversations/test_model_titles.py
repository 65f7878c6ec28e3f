"""Titles by the model (docs/api.md §9): with a model provider, one small call after the first
answer names the conversation; the answer's `done` never waits for it; a failed call keeps
the title from the first exchange; a rename is never overwritten; what the call cost is in
GET …/usage as in the daily budget (§20). The provider is faked at its HTTP API (respx), over
both OpenAI APIs."""

from typing import Any

import pytest

from agent.titles import clean
from backend.services import Services
from backend.settings import Settings
from tests.backend.conversations.chatting import Chat
from tests.fakes.openai_frames import Call, Reply, ToolCalls, Turn, sequential
from tests.fakes.title_calls import COUNTS, TitleProvider
from tests.polling import eventually
from tests.providers import APIS, ModelApi, Provider, dialogue, provider_app
from tests.sse import names
from tests.tokens import AuthHeaders

ASK = "add a task to buy milk, two litres for the week"
REPLY = 'Added "Buy milk" as task 1.'


def add_then_reply() -> TitleProvider:
    turns: list[Turn] = [
        ToolCalls([Call("add_task", {"title": "Buy milk"})]),
        Reply(REPLY),
        Reply("Noted."),
    ]
    return TitleProvider(sequential(turns), "Milk for the week")


async def title_of(chat: Chat, conversation_id: int = 1) -> str:
    response = await chat.http.get(
        f"/api/{chat.user}/conversations/{conversation_id}", headers=chat.headers
    )
    assert response.status_code == 200, response.text
    title: str = response.json()["title"]
    return title


async def settled(provider: Provider, user: str = "alice", conversation_id: int = 1) -> None:
    """The title call of the conversation has ended (stored, or given up)."""
    assert provider.app is not None
    services: Services = provider.app.state.services
    assert services.chat.titles is not None
    await services.chat.titles.settled(user, conversation_id)


async def usage_of(chat: Chat, **query: str) -> dict[str, Any]:
    response = await chat.http.get(f"/api/{chat.user}/usage", params=query, headers=chat.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def counts(group: dict[str, Any]) -> dict[str, int]:
    return {name: group[name] for name in COUNTS}


def plus(*parts: dict[str, int]) -> dict[str, int]:
    return {name: sum(part[name] for part in parts) for name in COUNTS}


def tokens(part: dict[str, int]) -> int:
    return part["input_tokens"] + part["output_tokens"]


def max_output_tokens(body: dict[str, Any]) -> Any:
    return body.get("max_output_tokens", body.get("max_tokens"))


@pytest.mark.parametrize("api", APIS)
async def test_the_model_names_the_conversation_after_done_was_sent(
    settings: Settings, auth: AuthHeaders, api: ModelApi
) -> None:
    fake = add_then_reply()
    async with provider_app(settings, api, side_effect=fake, chat_title_model=None) as provider:
        chat = Chat(provider.client, auth("alice"), "alice")
        events = await chat.stream(ASK)
        # The answer is done while the provider still holds the title back.
        assert names(events)[-1] == "done"
        assert not fake.release.is_set()
        assert await title_of(chat) == "Add: Buy milk"  # the first exchange's, meanwhile

        async def asked() -> bool:
            return len(fake.title_requests) == 1

        await eventually(asked, 10, "the title request")
        fake.release.set()

        async def named() -> bool:
            return await title_of(chat) == "Milk for the week"

        await eventually(named, 10, "the model's title")
        await chat.answer("thanks", conversation_id=1)
        await settled(provider)
        assert await title_of(chat) == "Milk for the week"

    # One small call: the exchange as data, no tools, a few output tokens; only the first
    # answer asks for one.
    [sent] = fake.title_requests
    assert sent["model"] == "gpt-test"
    assert not sent.get("tools")
    assert max_output_tokens(sent) == 24
    [(role, text)] = dialogue(sent)
    assert role == "user"
    assert ASK in text
    assert REPLY in text
    assert len(provider.route.calls) == 4  # the first answer's two, one title, one answer


@pytest.mark.parametrize("api", APIS)
async def test_the_title_calls_tokens_count_against_the_daily_budget(
    settings: Settings, auth: AuthHeaders, api: ModelApi
) -> None:
    fake = add_then_reply()
    fake.release.set()
    async with provider_app(
        settings, api, side_effect=fake, chat_title_model=None, chat_tokens_per_day=1_000_000
    ) as provider:
        chat = Chat(provider.client, auth("alice"), "alice")
        answer = await chat.answer(ASK)
        await settled(provider)
        usage = await usage_of(chat)

    assert fake.title_tokens > 0
    used_today = usage["budget"]["used_today"]
    assert used_today == tokens(answer["usage"]) + fake.title_tokens
    assert used_today == tokens(usage["totals"])  # the budget and /usage agree


@pytest.mark.parametrize("api", APIS)
async def test_usage_includes_the_title_call_once_the_title_is_made(
    settings: Settings, auth: AuthHeaders, api: ModelApi
) -> None:
    add = ToolCalls([Call("add_task", {"title": "Buy milk"})])
    fake = TitleProvider(sequential([add, Reply(REPLY), add, Reply(REPLY)]), "Milk for the week")
    async with provider_app(settings, api, side_effect=fake, chat_title_model=None) as provider:
        alice = Chat(provider.client, auth("alice"), "alice")
        bob = Chat(provider.client, auth("bob"), "bob")
        fake.release.set()
        bobs_answer = await bob.answer(ASK)
        await settled(provider, "bob")
        bobs_title = dict(fake.title_usage)
        bobs = await usage_of(bob, group="conversation")

        fake.release.clear()
        answer = await alice.answer(ASK)
        meanwhile = await usage_of(alice, group="conversation")
        fake.release.set()
        await settled(provider)
        assert await title_of(alice) == "Milk for the week"
        by_conversation = await usage_of(alice, group="conversation")
        by_day = await usage_of(alice, group="day")
        bobs_after = await usage_of(bob, group="conversation")

    alices_title = {name: fake.title_usage[name] - bobs_title[name] for name in COUNTS}
    assert alices_title["requests"] == 1
    assert all(alices_title[name] > 0 for name in COUNTS)  # cached and reasoning too
    own = counts(answer["usage"])
    assert counts(meanwhile["totals"]) == own  # the title not made yet
    [group] = by_conversation["groups"]
    assert (group["conversation_id"], group["title"], group["messages"]) == (
        1,
        "Milk for the week",
        1,
    )
    assert counts(group) == plus(own, alices_title)
    [day] = by_day["groups"]
    assert counts(day) == counts(by_day["totals"]) == plus(own, alices_title)
    # Bob's title call is in his usage, and alice's never reaches it.
    assert counts(bobs["totals"]) == plus(counts(bobs_answer["usage"]), bobs_title)
    assert bobs_after == bobs


@pytest.mark.parametrize("api", APIS)
async def test_an_unusable_title_still_counts_what_it_cost(
    settings: Settings, auth: AuthHeaders, api: ModelApi
) -> None:
    turns: list[Turn] = [ToolCalls([Call("add_task", {"title": "Buy milk"})]), Reply(REPLY)]
    fake = TitleProvider(sequential(turns), '""')
    fake.release.set()
    async with provider_app(
        settings, api, side_effect=fake, chat_title_model=None, chat_tokens_per_day=1_000_000
    ) as provider:
        chat = Chat(provider.client, auth("alice"), "alice")
        answer = await chat.answer(ASK)
        await settled(provider)
        title = await title_of(chat)
        usage = await usage_of(chat, group="conversation")

    assert title == "Add: Buy milk"  # nothing usable came back
    assert fake.title_usage["requests"] == 1
    assert fake.title_tokens > 0
    [group] = usage["groups"]
    assert counts(group) == plus(counts(answer["usage"]), fake.title_usage)
    assert usage["budget"]["used_today"] == tokens(usage["totals"])


async def test_a_title_call_cut_off_by_the_timeout_counts_nowhere(
    settings: Settings, auth: AuthHeaders
) -> None:
    turns: list[Turn] = [ToolCalls([Call("add_task", {"title": "Buy milk"})]), Reply(REPLY)]
    fake = TitleProvider(sequential(turns), "Milk for the week")  # held past the timeout
    async with provider_app(
        settings,
        "responses",
        side_effect=fake,
        chat_title_model=None,
        chat_tokens_per_day=1_000_000,
        chat_model_timeout=0.5,
    ) as provider:
        chat = Chat(provider.client, auth("alice"), "alice")
        answer = await chat.answer(ASK)
        await settled(provider)
        title = await title_of(chat)
        usage = await usage_of(chat)
        fake.release.set()

    # No reply, so no usage reported: neither the budget nor /usage can count the call.
    assert len(fake.title_requests) == 1
    assert title == "Add: Buy milk"
    assert counts(usage["totals"]) == counts(answer["usage"])
    assert usage["budget"]["used_today"] == tokens(answer["usage"])


@pytest.mark.parametrize("failure", [500, 400])
async def test_a_failed_title_call_keeps_the_title_of_the_first_exchange(
    settings: Settings, auth: AuthHeaders, failure: int
) -> None:
    turns: list[Turn] = [ToolCalls([Call("add_task", {"title": "Buy milk"})]), Reply(REPLY)]
    fake = TitleProvider(sequential(turns), failure)
    fake.release.set()
    async with provider_app(
        settings, "responses", side_effect=fake, chat_title_model=None
    ) as provider:
        chat = Chat(provider.client, auth("alice"), "alice")
        assert names(await chat.stream(ASK))[-1] == "done"
        await settled(provider)
        assert len(fake.title_requests) == 1
        assert await title_of(chat) == "Add: Buy milk"


async def test_a_rename_made_while_the_title_is_made_is_kept(
    settings: Settings, auth: AuthHeaders
) -> None:
    fake = add_then_reply()
    async with provider_app(
        settings, "chat_completions", side_effect=fake, chat_title_model=None
    ) as provider:
        chat = Chat(provider.client, auth("alice"), "alice")
        await chat.answer(ASK)
        renamed = await chat.http.patch(
            "/api/alice/conversations/1", json={"title": "Groceries"}, headers=chat.headers
        )
        assert renamed.status_code == 200
        fake.release.set()
        await settled(provider)
        assert len(fake.title_requests) == 1
        assert await title_of(chat) == "Groceries"


async def test_a_title_model_of_none_makes_no_call(settings: Settings, auth: AuthHeaders) -> None:
    fake = add_then_reply()
    async with provider_app(
        settings, "responses", side_effect=fake, chat_title_model="none"
    ) as provider:
        chat = Chat(provider.client, auth("alice"), "alice")
        await chat.answer(ASK)
        assert provider.app is not None
        assert provider.app.state.services.chat.titles is None
    assert fake.title_requests == []
    assert len(provider.route.calls) == 2


@pytest.mark.parametrize(
    ("reply", "title"),
    [
        ('"Milk for the week."', "Milk for the week"),
        ("Title: **Weekly shopping**\nHere is why…", "Weekly shopping"),
        ("  Buy\x00 milk\u200b  ", "Buy milk"),
        ("\n\n", None),
        ('""', None),
    ],
)
def test_the_models_reply_is_cut_to_a_title(reply: str, title: str | None) -> None:
    assert clean(reply) == title
