"""Answers that take a while, on the fake provider writing slowly: the composer says when the
conversation is still answering, Stop ends the answer, and a reload mid-answer redraws it and
continues without a word twice."""

from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Locator, Request, expect

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.web.browser import Watched, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, answers, send, sign_in
from tests.backend.web.proxy import cuttable
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server
from tests.providers import provider_settings

# About 4 s of answer: long enough to act in the middle of it.
ANSWER_MS = 20_000
SLOW = FakeConfig(tokens_per_second=15, reply_words=40, chunk_size=4)


@pytest.fixture
async def slow_site(dev_settings: Settings) -> AsyncIterator[Site]:
    config = FakeConfig(
        tokens_per_second=SLOW.tokens_per_second,
        reply_words=SLOW.reply_words,
        chunk_size=SLOW.chunk_size,
    )
    async with running_server(create_fake_openai_app(config)) as model_url:
        settings = provider_settings(dev_settings, "chat_completions", openai_base_url=model_url)
        async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as http:
            yield Site(url, http)


@pytest.fixture
async def slow_page(browser: Browser, slow_site: Site) -> AsyncIterator[Watched]:
    async with watched_page(browser, slow_site.url) as watched:
        yield watched


async def writing(answer: Locator) -> None:
    """Wait until the answer is being written and has some text."""
    await expect(answer).to_have_class("message assistant writing")
    await expect(answer.locator(".body")).to_contain_text(" ")


async def test_a_message_sent_while_answering_says_so_and_keeps_the_text(
    slow_page: Watched,
) -> None:
    page = await sign_in(slow_page)
    await send(page, "hello")
    await writing(answers(page).first)
    conversations = page.locator("#conversation-list")
    await expect(conversations).to_contain_text("(answering)")
    await send(page, "and another thing")
    await expect(page.get_by_role("status").filter(has_text="Still answering")).to_be_visible()
    await expect(page.get_by_role("textbox", name="Message")).to_have_value("and another thing")
    await answered(page, 1, ANSWER_MS)
    await expect(page.locator("#log article.user")).to_have_count(1)
    await expect(conversations).not_to_contain_text("(answering)")
    # The notice goes once it is no longer true.
    await expect(page.locator("#chat-notice")).to_be_hidden()


def words(text: str) -> list[str]:
    return text.split()


async def stored_answer(site: Site, conversation_id: int = 1) -> dict[str, object]:
    response = await site.http.get(
        f"/api/alice/conversations/{conversation_id}/messages", headers=await site.as_user("alice")
    )
    messages: list[dict[str, object]] = response.json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    return messages[-1]


async def test_stop_ends_a_slow_answer_where_it_was(slow_page: Watched, slow_site: Site) -> None:
    page = await sign_in(slow_page)
    await send(page, "hello")
    answer = answers(page).first
    await writing(answer)
    await page.get_by_role("button", name="Stop").click()
    await expect(answer.locator(".note")).to_have_text("Stopped.")
    await expect(answer).not_to_have_class("message assistant writing")
    await expect(page.get_by_role("button", name="Stop")).to_be_hidden()
    stored = await stored_answer(slow_site)
    assert stored["status"] == "stopped"
    shown = words(await answer.locator(".body").inner_text())
    assert shown == words(str(stored["content"]))
    assert 0 < len(shown) < SLOW.reply_words


async def test_a_reload_mid_answer_redraws_it_and_continues_without_repeating(
    slow_page: Watched, slow_site: Site
) -> None:
    page = await sign_in(slow_page)
    await send(page, "hello")
    await writing(answers(page).first)
    before = words(await answers(page).first.locator(".body").inner_text())
    await page.reload()
    await expect(answers(page).first).to_have_class("message assistant writing")
    answer = await answered(page, 1, ANSWER_MS)
    await expect(page.locator("#log article.user")).to_have_count(1)
    shown = words(await answer.locator(".body").inner_text())
    stored = await stored_answer(slow_site)
    assert stored["status"] == "completed"
    assert shown == words(str(stored["content"]))
    assert " ".join(shown).startswith(" ".join(before))  # the part drawn before the reload
    assert len(shown) == SLOW.reply_words


async def test_a_dropped_connection_resumes_after_the_last_event_seen(
    browser: Browser, slow_site: Site
) -> None:
    attached: list[str | None] = []

    def on_request(request: Request) -> None:
        if request.url.endswith("/stream"):
            attached.append(request.headers.get("last-event-id"))

    async with cuttable(slow_site.url) as (url, proxy), watched_page(browser, url) as watched:
        page = await sign_in(watched)
        page.on("request", on_request)
        await send(page, "hello")
        await writing(answers(page).first)
        assert proxy.cut() > 0
        answer = await answered(page, 1, ANSWER_MS)
        stored = await stored_answer(slow_site)
        assert words(await answer.locator(".body").inner_text()) == words(str(stored["content"]))
        assert len(words(str(stored["content"]))) == SLOW.reply_words
    assert attached, "the page never re-attached"
    assert all(attached), "a re-attach without Last-Event-ID"


async def test_a_lost_connection_says_so_refuses_to_send_and_resumes_the_answer_when_back(
    browser: Browser, slow_site: Site
) -> None:
    async with cuttable(slow_site.url) as (url, proxy), watched_page(browser, url) as watched:
        page = await sign_in(watched)
        await send(page, "hello")
        await writing(answers(page).first)
        proxy.refusing = True
        assert proxy.cut() > 0
        banner = page.locator("#connection")
        await expect(banner).to_contain_text("reconnecting", timeout=2000)
        await send(page, "are you there?")
        await expect(page.locator("#chat-notice")).to_contain_text("cannot be reached")
        await expect(page.get_by_role("textbox", name="Message")).to_have_value("are you there?")
        proxy.refusing = False
        await expect(banner).to_contain_text("back", timeout=10_000)
        answer = await answered(page, 1, ANSWER_MS)
        stored = await stored_answer(slow_site)
        assert words(await answer.locator(".body").inner_text()) == words(str(stored["content"]))
        await expect(page.locator("#log article.user")).to_have_count(1)
