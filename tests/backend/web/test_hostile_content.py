"""Nothing a task, a model or another program wrote can run in the page: titles and answers
full of markup show as text, `javascript:` links stay text, and the safe Markdown subset still
renders. Any dialog, CSP violation or uncaught error fails the test (see browser.py)."""

from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, expect

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.web.browser import Watched, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, send, sign_in, task_item
from tests.fakes.openai_frames import Reply
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server
from tests.providers import provider_settings

HOSTILE_TITLES = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "[click me](javascript:alert(3))",
]
HOSTILE_ANSWER = (
    "Here you go:\n\n"
    "- **bold** and *italic* and `code`\n"
    "- a [safe link](https://example.com/docs) and a [bad one](javascript:alert(4))\n\n"
    '<img src=x onerror="alert(5)"> <a href="javascript:alert(6)">html link</a>'
    "<script>alert(7)</script>"
)


async def test_hostile_task_titles_show_as_text_in_the_panel_and_the_answer(
    page: Watched, site: Site
) -> None:
    headers = await site.as_user("alice")
    for title in HOSTILE_TITLES:
        response = await site.http.post("/api/alice/tasks", json={"title": title}, headers=headers)
        assert response.status_code == 201
    browser_page = await sign_in(page)
    for title in HOSTILE_TITLES:
        await expect(task_item(browser_page, title)).to_be_visible()
    await send(browser_page, "Show me all my tasks")
    answer = await answered(browser_page, 1)
    for title in HOSTILE_TITLES[:2]:
        await expect(answer).to_contain_text(title)
    await expect(browser_page.locator("img, main script, #tasks script")).to_have_count(0)
    await expect(browser_page.locator('a[href^="javascript"]')).to_have_count(0)


@pytest.fixture
async def hostile_model_site(dev_settings: Settings) -> AsyncIterator[Site]:
    """The app on a fake provider whose every answer is `HOSTILE_ANSWER`."""
    config = FakeConfig(script=lambda _request: Reply(HOSTILE_ANSWER), chunk_size=7)
    async with running_server(create_fake_openai_app(config)) as model_url:
        settings = provider_settings(dev_settings, "chat_completions", openai_base_url=model_url)
        async with serving(create_app(settings)) as url:
            async with httpx.AsyncClient(base_url=url) as http:
                yield Site(url, http)


async def test_an_answer_with_markup_renders_the_safe_subset_and_nothing_else(
    browser: Browser, hostile_model_site: Site
) -> None:
    async with watched_page(browser, hostile_model_site.url) as watched:
        page = await sign_in(watched)
        await send(page, "hello")
        answer = await answered(page, 1)
        body = answer.locator(".body")
        await expect(body.locator("li")).to_have_count(2)
        await expect(body.locator("strong")).to_have_text("bold")
        await expect(body.locator("em")).to_have_text("italic")
        await expect(body.locator("code")).to_have_text("code")
        links = body.locator("a")
        await expect(links).to_have_count(1)
        await expect(links).to_have_attribute("href", "https://example.com/docs")
        await expect(links).to_have_attribute("rel", "noopener noreferrer nofollow")
        await expect(body).to_contain_text("[bad one](javascript:alert(4))")
        await expect(body).to_contain_text('<img src=x onerror="alert(5)">')
        await expect(body).to_contain_text("<script>alert(7)</script>")
        await expect(page.locator("img, #log script")).to_have_count(0)
        # Reloaded from the stored message, it looks the same.
        await page.reload()
        stored = await answered(page, 1)
        await expect(stored.locator(".body a")).to_have_count(1)
        await expect(stored.locator(".body")).to_contain_text("<script>alert(7)</script>")
