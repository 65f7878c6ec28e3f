"""The conversation list: a new chat, switching, renaming and deleting."""

from playwright.async_api import expect

from tests.backend.web.browser import Watched
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, answers, send, sign_in


async def test_conversations_can_be_started_switched_renamed_and_deleted(
    page: Watched, site: Site
) -> None:
    browser_page = await sign_in(page)
    listed = browser_page.locator("#conversation-list li")
    await send(browser_page, "Add a task to buy milk")
    await answered(browser_page, 1)
    await browser_page.get_by_role("button", name="New chat").click()
    await expect(answers(browser_page)).to_have_count(0)
    await send(browser_page, "What's pending?")
    await answered(browser_page, 1)
    await expect(listed).to_have_count(2)

    await browser_page.get_by_role("button", name="Add: Buy milk").click()
    await expect(browser_page.locator("#log")).to_contain_text("Added")
    await browser_page.get_by_role("button", name="Rename conversation “Add: Buy milk”").click()
    title = browser_page.get_by_role("textbox", name="Conversation title")
    await title.fill("Groceries")
    await title.press("Enter")
    await expect(browser_page.get_by_role("heading", name="Groceries")).to_be_visible()

    page.expected_dialogs = 1
    await browser_page.get_by_role("button", name="Delete conversation “Groceries”").click()
    await expect(listed).to_have_count(1)
    await expect(browser_page.get_by_role("heading", name="New conversation")).to_be_visible()
    response = await site.http.get("/api/alice/conversations", headers=await site.as_user("alice"))
    assert [c["title"] for c in response.json()["conversations"]] == ["What's pending?"]
