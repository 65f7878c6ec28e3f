"""A first screen, on a desktop and on a phone: the sign-in view is a `main` landmark; the skip
link is the first stop of the tab order and moves focus to the message box without losing the
open conversation; after sign-in the message box has focus and an empty conversation offers
suggestions that send on click; the tab's title follows the conversation; on a phone the panel
toggles say whether they are pressed."""

from playwright.async_api import Browser, Page, expect

from tests.backend.web.browser import PHONE, VIEWPORTS, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, fill_sign_in

# The first element the Tab key reaches from the top of the page: document order among what
# is focusable and shown, since nothing has a positive tabindex (checked too).
FIRST_STOP = """() => {
  const all = [...document.querySelectorAll(
    "a[href], button, input, select, textarea, summary, [tabindex]")];
  if (all.some((node) => node.tabIndex > 0)) return "a positive tabindex";
  const stops = all.filter((node) => node.tabIndex >= 0 && !node.disabled
    && node.checkVisibility());
  return stops[0]?.textContent.trim() ?? null;
}"""
SKIP = "Skip to the message box"


async def first_stop(page: Page) -> str | None:
    stop: str | None = await page.evaluate(FIRST_STOP)
    return stop


@VIEWPORTS
async def test_first_screen_suggests_focuses_and_names_the_tab(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    async with watched_page(browser, site.url, viewport) as watched:
        page = watched.page
        await page.goto(site.url + "/")
        await expect(page.get_by_role("main")).to_contain_text("Your name")
        assert await first_stop(page) == SKIP
        await fill_sign_in(page, "alice")
        await page.get_by_role("button", name="Sign in").click()
        message = page.get_by_role("textbox", name="Message")
        await expect(message).to_be_focused()
        await expect(page).to_have_title("todo-chat")
        assert await first_stop(page) == SKIP

        suggestions = page.get_by_role("group", name="Suggestions")
        await suggestions.get_by_role("button", name="What's pending?").click()
        await answered(page, 1)
        await expect(suggestions).to_be_hidden()
        await expect(page).to_have_title("What's pending? · todo-chat")

        skip = page.get_by_role("link", name=SKIP)
        await skip.focus()
        await expect(skip).to_be_in_viewport()
        await page.keyboard.press("Enter")
        await expect(message).to_be_focused()
        assert page.url.endswith("#c=1")  # the open conversation is still in the address

        if viewport is PHONE:
            for name in ("Chats", "Tasks"):
                toggle = page.get_by_role("button", name=name)
                await expect(toggle).to_have_attribute("aria-pressed", "false")
                await toggle.click()
                await expect(toggle).to_have_attribute("aria-pressed", "true")
                await expect(toggle).to_have_attribute("aria-expanded", "true")
                await page.keyboard.press("Escape")
                await expect(toggle).to_have_attribute("aria-pressed", "false")
        else:
            await expect(page.get_by_role("button", name="Chats")).to_be_hidden()
