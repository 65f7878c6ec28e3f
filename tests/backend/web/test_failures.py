"""A turn the model provider fails shows a clear notice with Retry, and Retry answers the
message again (POST …/messages/{id}/retry) once the provider is back, without sending it
twice."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Route, expect

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.web.browser import Watched, watched_page
from tests.backend.web.pages import answered, send, sign_in
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server
from tests.providers import provider_settings


@pytest.fixture
async def failing() -> AsyncIterator[tuple[FakeConfig, str]]:
    config = FakeConfig(rate_500=1.0)
    async with running_server(create_fake_openai_app(config)) as model_url:
        yield config, model_url


async def test_a_failed_answer_says_why_and_retry_answers_it_again(
    browser: Browser, dev_settings: Settings, failing: tuple[FakeConfig, str]
) -> None:
    config, model_url = failing
    settings = provider_settings(dev_settings, "chat_completions", openai_base_url=model_url)
    async with serving(create_app(settings)) as url, watched_page(browser, url) as watched:
        page = await sign_in(watched)
        await send(page, "hello")
        failed = page.locator("#log article.assistant.failed")
        await expect(failed).to_have_count(1)
        await expect(failed.locator(".note")).not_to_be_empty()
        await expect(failed).not_to_contain_text("server_error")  # no provider text
        note = await failed.locator(".note").inner_text()
        await page.reload()  # the failed answer is stored: it still says why, with Retry
        failed = page.locator("#log article.assistant.failed")
        await expect(failed.locator(".note")).to_have_text(note)
        config.rate_500 = 0.0
        await failed.get_by_role("button", name="Retry").click()
        answer = await answered(page, 1)
        await expect(answer).not_to_have_class("message assistant failed")
        await expect(answer.locator(".body")).not_to_be_empty()
        # Answered again in place of the failure, the message not sent twice.
        await expect(page.locator("#log article.user")).to_have_count(1)
        await expect(page.locator("#log article.assistant")).to_have_count(1)


async def test_an_error_without_an_id_after_live_events_reaches_the_person(
    page: Watched,
) -> None:
    """The server's `error` while it shuts down has no `id:` line; it is not the previous
    delta again, and the person sees it (the stream here is the wire as the server sends it)."""
    signed_in = await sign_in(page)
    await send(signed_in, "hello")
    await answered(signed_in, 1)
    run = "0" * 31 + "1"
    stream = (
        f"id: {run}.1\nevent: conversation\n"
        'data: {"conversation_id": 1, "user_message_id": 3}\n\n'
        f'id: {run}.2\nevent: delta\ndata: {{"text": "Half an answer"}}\n\n'
        'event: error\ndata: {"code": "server_shutting_down", "detail": "The server is'
        ' restarting; please retry."}\n\n'
    )

    async def cut_short(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/event-stream", body=stream)

    await signed_in.route("**/api/alice/chat", cut_short)
    await send(signed_in, "and now?")
    failed = signed_in.locator("#log article.assistant.failed")
    await expect(failed).to_have_count(1, timeout=2000)
    await expect(failed).to_contain_text("Half an answer")
    await expect(failed.locator(".note")).to_contain_text("The server is restarting")
