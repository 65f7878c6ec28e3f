"""The conversation list, on a desktop and on a phone (where it is behind the Chats toggle):
a new chat, switching, a title made from the first exchange that says what the chat did,
renaming (Escape cancels it and leaves the list open; what is typed survives the list being
redrawn) and deleting. The first answer's chip says what its tool call did, in words, and
opens to the details."""

from playwright.async_api import Browser, expect

from tests.backend.web.browser import VIEWPORTS, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import (
    answered,
    answers,
    open_conversation,
    send,
    show_panel,
    sign_in,
)


@VIEWPORTS
async def test_conversations_can_be_started_switched_renamed_and_deleted(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    headers = await site.as_user("alice")
    async with watched_page(browser, site.url, viewport) as watched:
        page = await sign_in(watched)
        listed = page.locator("#conversation-list li")
        titles = page.locator("#conversation-list .title")
        await send(page, "Add a task to buy milk")
        chip = (await answered(page, 1)).locator("details.chip")
        await expect(chip.locator("summary")).to_have_text("Added task 1 · Buy milk")
        await chip.locator("summary").click()
        await expect(chip.get_by_text("Result", exact=True)).to_be_visible()
        assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

        await show_panel(page, "Chats")
        await page.get_by_role("button", name="New chat").click()
        await expect(page.locator("#chats.open")).to_have_count(0)  # the chat is not covered
        await expect(answers(page)).to_have_count(0)
        await send(page, "What's pending?")
        await answered(page, 1)
        await show_panel(page, "Chats")
        await expect(titles).to_have_text(["What's pending?", "Add: Buy milk"])

        await open_conversation(page, "Add: Buy milk")
        await expect(page.locator("#log")).to_contain_text("Added")
        await show_panel(page, "Chats")
        rename = page.get_by_role("button", name="Rename conversation “Add: Buy milk”")
        await rename.click()
        title = page.get_by_role("textbox", name="Conversation title")
        await title.press("Escape")  # cancels the rename, and the list stays open
        await expect(rename).to_be_focused()
        await expect(page.locator("#chats")).to_be_visible()
        await rename.click()
        await title.fill("Groceries")
        # Another tab renames the other chat meanwhile: the list is redrawn, the typing stays.
        renamed = await site.http.patch(
            "/api/alice/conversations/2", json={"title": "Plans"}, headers=headers
        )
        assert renamed.status_code == 200, renamed.text
        await expect(titles.filter(has_text="Plans")).to_have_count(1)
        await expect(title).to_have_value("Groceries")
        await expect(title).to_be_focused()
        await title.press("Enter")
        await expect(titles.filter(has_text="Groceries")).to_have_count(1)
        await expect(page.get_by_role("heading", name="Groceries")).to_be_visible()

        watched.expected_dialogs = 1
        await page.get_by_role("button", name="Delete conversation “Groceries”").click()
        await expect(listed).to_have_count(1)
        await expect(page.locator("#chats.open")).to_have_count(0)
        await expect(page.get_by_role("heading", name="New conversation")).to_be_visible()
    response = await site.http.get("/api/alice/conversations", headers=headers)
    assert [c["title"] for c in response.json()["conversations"]] == ["Plans"]
