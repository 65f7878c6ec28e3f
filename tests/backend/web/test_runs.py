"""Answers that take a while, on the fake provider writing slowly: the composer says when the
conversation is still answering, Stop ends the answer, and a reload mid-answer redraws it and
continues without a word twice."""

from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Locator, expect

from backend.main import create_app
from backend.settings import Settings
from tests.backend.conversations.helpers import provider_settings, serving
from tests.backend.web.browser import Watched, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, answers, send, sign_in
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server

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
    await send(page, "and another thing")
    await expect(page.get_by_role("status").filter(has_text="Still answering")).to_be_visible()
    await expect(page.get_by_role("textbox", name="Message")).to_have_value("and another thing")
    await answered(page, 1, ANSWER_MS)
    await expect(page.locator("#log article.user")).to_have_count(1)
