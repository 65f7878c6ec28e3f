"""The chat page in Chromium: sign in, chat, and the task panel agreeing with the chat."""

from playwright.async_api import expect

from tests.backend.web.browser import PHONE, Watched, screenshot
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, send, sign_in, task_item


async def test_signing_in_by_name_shows_the_chat_for_that_user(page: Watched) -> None:
    signed_in = await sign_in(page, "alice")
    await expect(signed_in.locator("#who")).to_have_text("alice")
    await expect(signed_in.get_by_role("heading", name="New conversation")).to_be_visible()


async def test_a_chat_turn_streams_the_answer_and_the_task_appears_in_the_panel(
    page: Watched, site: Site
) -> None:
    browser_page = await sign_in(page)
    await send(browser_page, "Add a task to buy milk")
    answer = await answered(browser_page, 1)
    await expect(answer).to_contain_text("Buy milk")
    await expect(answer.locator("details.chip summary")).to_have_text("Added task 1 · Buy milk")
    await expect(task_item(browser_page, "Buy milk")).to_be_visible()
    await expect(browser_page.locator("#conversation-list")).to_contain_text("Add: Buy milk")
    response = await site.http.get("/api/alice/tasks", headers=await site.as_user("alice"))
    assert [t["title"] for t in response.json()["tasks"]] == ["Buy milk"]
    await screenshot(browser_page, "desktop")


async def test_a_task_done_in_the_panel_is_what_the_chat_reports_completed(
    page: Watched, site: Site
) -> None:
    headers = await site.as_user("alice")
    for title in ("Buy milk", "Walk the dog"):
        await site.http.post("/api/alice/tasks", json={"title": title}, headers=headers)
    browser_page = await sign_in(page)
    await browser_page.get_by_role("checkbox", name="Buy milk").check()
    await expect(task_item(browser_page, "Buy milk")).to_have_count(0)  # gone from "Pending"
    await send(browser_page, "What have I completed?")
    answer = await answered(browser_page, 1)
    await expect(answer).to_contain_text("Buy milk")
    await expect(answer).not_to_contain_text("Walk the dog")


async def test_the_phone_layout_has_no_horizontal_scroll(
    browser_page_phone: Watched, site: Site
) -> None:
    page = await sign_in(browser_page_phone)
    await send(page, "Add a task to buy milk")
    await answered(page, 1)
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == PHONE["width"]
    await screenshot(page, "phone-chat")
    await page.get_by_role("button", name="Tasks").click()
    await expect(task_item(page, "Buy milk")).to_be_visible()
    await screenshot(page, "phone-tasks")


async def test_shift_enter_adds_a_line_and_enter_sends_the_whole_message(page: Watched) -> None:
    browser_page = await sign_in(page)
    box = browser_page.get_by_role("textbox", name="Message")
    await box.type("Add a task to buy milk")
    await box.press("Shift+Enter")
    await box.type("and bread")
    await expect(box).to_have_value("Add a task to buy milk\nand bread")
    await expect(browser_page.locator("#log article")).to_have_count(0)
    await box.press("Enter")
    await expect(browser_page.locator("#log article.user .plain")).to_have_text(
        "Add a task to buy milk\nand bread"
    )
    await answered(browser_page, 1)
    await expect(box).to_have_value("")


async def test_a_task_deleted_in_the_panel_is_gone(page: Watched, site: Site) -> None:
    headers = await site.as_user("alice")
    for title in ("Buy milk", "Walk the dog"):
        await site.http.post("/api/alice/tasks", json={"title": title}, headers=headers)
    browser_page = await sign_in(page)
    await browser_page.get_by_role("button", name="Delete task 1 “Buy milk”").click()
    await expect(task_item(browser_page, "Buy milk")).to_have_count(0)
    await expect(task_item(browser_page, "Walk the dog")).to_be_visible()
    response = await site.http.get("/api/alice/tasks", headers=headers)
    assert [t["title"] for t in response.json()["tasks"]] == ["Walk the dog"]
