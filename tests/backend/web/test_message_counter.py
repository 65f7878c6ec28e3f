"""The message box counts characters near the 4,000 limit and keeps a longer paste whole,
refusing to send it until it is short enough."""

from playwright.async_api import expect

from tests.backend.web.browser import Watched
from tests.backend.web.pages import sign_in


async def test_the_counter_shows_near_the_limit_and_a_long_paste_is_kept(page: Watched) -> None:
    browser_page = await sign_in(page)
    box = browser_page.get_by_role("textbox", name="Message")
    counter = browser_page.locator("#message-count")
    await box.fill("a" * 100)
    await expect(counter).to_be_hidden()
    await box.fill("é" * 3990)
    await expect(counter).to_have_text("3,990 of 4,000 characters")
    await box.fill("a" * 4010)
    await expect(counter).to_have_text("4,010 of 4,000 characters: 10 too many")
    await box.press("Enter")
    await expect(box).to_have_value("a" * 4010)  # not cut, not sent
    await expect(browser_page.locator("#log article.user")).to_have_count(0)
    page.assert_clean()
