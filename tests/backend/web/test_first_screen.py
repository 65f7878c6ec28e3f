"""A first screen: the sign-in view is a `main` landmark; after sign-in the message box has
focus and an empty conversation offers suggestions that send on click; the tab's title
follows the conversation; on a phone the panel toggles say whether they are pressed."""

from playwright.async_api import expect

from tests.backend.web.browser import PHONE, Watched
from tests.backend.web.pages import answered, fill_sign_in


async def test_first_screen_suggests_focuses_and_names_the_tab(page: Watched) -> None:
    browser_page = page.page
    await browser_page.goto(page.origin + "/")
    await expect(browser_page.get_by_role("main")).to_contain_text("Your name")
    await fill_sign_in(browser_page, "alice")
    await browser_page.get_by_role("button", name="Sign in").click()
    await expect(browser_page.get_by_role("textbox", name="Message")).to_be_focused()
    await expect(browser_page).to_have_title("todo-chat")

    suggestions = browser_page.get_by_role("group", name="Suggestions")
    await suggestions.get_by_role("button", name="What's pending?").click()
    await answered(browser_page, 1)
    await expect(suggestions).to_be_hidden()
    await expect(browser_page).to_have_title("What's pending? · todo-chat")

    await browser_page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    chats = browser_page.get_by_role("button", name="Chats")
    await expect(chats).to_have_attribute("aria-pressed", "false")
    await chats.click()
    await expect(chats).to_have_attribute("aria-pressed", "true")
    page.assert_clean()
