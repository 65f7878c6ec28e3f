"""The message box counts characters near the 4,000 limit and keeps a longer paste whole,
refusing to send it until it is short enough, on a desktop and on a phone."""

from playwright.async_api import Browser, expect

from tests.backend.web.browser import VIEWPORTS, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import sign_in


@VIEWPORTS
async def test_the_counter_shows_near_the_limit_and_a_long_paste_is_kept(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    async with watched_page(browser, site.url, viewport) as watched:
        page = await sign_in(watched)
        box = page.get_by_role("textbox", name="Message")
        counter = page.locator("#message-count")
        await box.fill("a" * 100)
        await expect(counter).to_be_hidden()
        await box.fill("é" * 3990)
        await expect(counter).to_have_text("3,990 of 4,000 characters")
        await expect(counter).to_be_in_viewport()
        await box.fill("a" * 4010)
        await expect(counter).to_have_text("4,010 of 4,000 characters: 10 too many")
        await box.press("Enter")
        await expect(box).to_have_value("a" * 4010)  # not cut, not sent
        await expect(page.locator("#log article.user")).to_have_count(0)
        composer = await page.locator("#composer").bounding_box()
        assert composer is not None
        assert composer["y"] + composer["height"] <= viewport["height"]  # all on the screen
