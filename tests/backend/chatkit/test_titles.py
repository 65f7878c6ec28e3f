"""Thread titles as conversation titles (docs/api.md §9): after the first answer the thread
takes the model's title (with a model provider) in the same stream, after the answer; a slow
title call never holds the stream for long, and shows at the next load."""

from typing import Any

import pytest
from chatkit.types import AssistantMessageItem, ThreadItemDoneEvent, ThreadUpdatedEvent

from backend.chatkit import server, turns
from backend.settings import Settings
from tests.backend.chatkit.client import ChatKit, errors
from tests.fakes.openai_frames import Call, Reply, ToolCalls, Turn, sequential
from tests.fakes.title_calls import TitleProvider
from tests.polling import eventually
from tests.providers import provider_app
from tests.tokens import AuthHeaders


def provider() -> TitleProvider:
    turns: list[Turn] = [ToolCalls([Call("add_task", {"title": "Buy milk"})]), Reply("Added.")]
    return TitleProvider(sequential(turns), "Milk for the week")


async def test_the_first_answer_ends_with_the_models_title(
    settings: Settings, auth: AuthHeaders
) -> None:
    fake = provider()
    fake.release.set()
    async with provider_app(settings, "responses", side_effect=fake, chat_title_model=None) as app:
        kit = ChatKit(app.client, auth("alice"))
        events = await kit.create("add a task to buy milk")
        over_rest = (await app.client.get("/api/alice/conversations/1", headers=kit.headers)).json()

    assert not errors(events)
    titles = [e.thread.title for e in events if isinstance(e, ThreadUpdatedEvent)]
    assert titles == ["add a task to buy milk", "Milk for the week"]
    answered = next(
        i
        for i, e in enumerate(events)
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, AssistantMessageItem)
    )
    assert isinstance(events[-1], ThreadUpdatedEvent)
    assert answered < len(events) - 1  # the answer first, then its title
    assert over_rest["title"] == "Milk for the week"
    assert len(fake.title_requests) == 1


async def test_a_slow_title_shows_at_the_next_load(
    settings: Settings, auth: AuthHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server, "TITLE_WAIT_SECONDS", 0.1)
    fake = provider()  # the title is held back until released
    async with provider_app(
        settings, "chat_completions", side_effect=fake, chat_title_model=None
    ) as app:
        kit = ChatKit(app.client, auth("alice"))
        events = await kit.create("add a task to buy milk")
        assert not errors(events)
        titles = [e.thread.title for e in events if isinstance(e, ThreadUpdatedEvent)]
        assert titles == ["add a task to buy milk", "Add: Buy milk"]
        fake.release.set()
        await model_title_lands(kit)


async def test_a_stream_behind_its_run_still_shows_the_exchanges_title(
    settings: Settings, auth: AuthHeaders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a loaded machine the stream can fall behind its run, which stores the answer and
    its title first: the stream's first-message title must not be stored back over it (as a
    rename, which would keep the model's title out too)."""
    monkeypatch.setattr(server, "TITLE_WAIT_SECONDS", 0.1)
    fake = provider()
    async with provider_app(
        settings, "chat_completions", side_effect=fake, chat_title_model=None
    ) as app:
        kit = ChatKit(app.client, auth("alice"))

        async def answered() -> bool:
            return (await kit.thread("1")).title == "Add: Buy milk"

        start = turns.Turns.start

        async def behind(self: turns.Turns, *args: Any, **kwargs: Any) -> turns.Turn:
            turn = await start(self, *args, **kwargs)
            await eventually(answered, 10, "the answer stored before the stream goes on")
            return turn

        monkeypatch.setattr(turns.Turns, "start", behind)
        events = await kit.create("add a task to buy milk")
        assert not errors(events)
        titles = [e.thread.title for e in events if isinstance(e, ThreadUpdatedEvent)]
        assert titles == ["add a task to buy milk", "Add: Buy milk"]
        fake.release.set()
        await model_title_lands(kit)


async def model_title_lands(kit: ChatKit) -> None:
    async def named() -> bool:
        return (await kit.thread("1")).title == "Milk for the week"

    await eventually(named, 10, "the model's title on the thread")
