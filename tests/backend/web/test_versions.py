"""Versions on the chat page: Regenerate the last answer, Edit a message and send it again,
"1/2" arrows between versions, and the question before replacing an answer that changed tasks
("This answer added task 1 · Buy milk. Undo those changes first?")."""

from playwright.async_api import Locator, Page, expect

from tests.backend.web.browser import Watched
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, answers, send, sign_in, task_item


def own_messages(page: Page) -> Locator:
    return page.locator("#log article.user")


def offer(page: Page) -> Locator:
    return page.get_by_role("group", name="Undo those changes first?")


async def task_titles(site: Site) -> list[tuple[int, str]]:
    response = await site.http.get("/api/alice/tasks", headers=await site.as_user("alice"))
    return sorted((task["id"], task["title"]) for task in response.json()["tasks"])


async def test_regenerate_keeps_both_answers_and_asks_about_the_changes_first(
    page: Watched, site: Site
) -> None:
    browser_page = await sign_in(page)
    await send(browser_page, "Add a task to buy milk")
    first = await answered(browser_page, 1)
    await expect(first).to_contain_text("Buy milk")

    await first.get_by_role("button", name="Regenerate this answer").click()
    question = browser_page.get_by_role(
        "group", name="This answer added task 1 · Buy milk. Undo those changes first?"
    )
    await expect(question).to_be_visible()
    await expect(question.get_by_role("button", name="Undo and regenerate")).to_be_focused()
    await question.get_by_role("button", name="Keep and regenerate").click()

    await expect(browser_page.locator("#chat-notice")).to_have_text(
        "These changes stay: added task 1 · Buy milk."
    )
    again = answers(browser_page).nth(0)
    await expect(again.get_by_role("group", name="Version 2 of 2 of this answer")).to_be_visible()
    await expect(answers(browser_page)).to_have_count(1)
    await expect(again).to_contain_text("task 2")
    await expect(task_item(browser_page, "Buy milk")).to_have_count(2)
    assert await task_titles(site) == [(1, "Buy milk"), (2, "Buy milk")]

    # Back to the first answer, then forward again; the page shows one answer at a time.
    await again.get_by_role("button", name="Previous version of this answer").click()
    earlier = answers(browser_page).nth(0)
    await expect(earlier.get_by_role("group", name="Version 1 of 2 of this answer")).to_be_visible()
    await expect(earlier.locator(".version-at")).to_have_text("1/2")
    await expect(earlier).to_contain_text("task 1")
    await expect(answers(browser_page)).to_have_count(1)
    await earlier.get_by_role("button", name="Next version of this answer").click()
    await expect(answers(browser_page).nth(0).locator(".version-at")).to_have_text("2/2")


async def test_edit_sends_a_new_version_and_can_undo_what_the_old_answer_did(
    page: Watched, site: Site
) -> None:
    browser_page = await sign_in(page)
    await send(browser_page, "Add a task to buy milk")
    await answered(browser_page, 1)
    mine = own_messages(browser_page).nth(0)

    await mine.get_by_role("button", name="Edit this message").click()
    box = browser_page.get_by_role("textbox", name="Edit your message")
    await expect(box).to_have_value("Add a task to buy milk")
    await box.fill("Add a task to call mom")
    await mine.get_by_role("button", name="Send edited message").click()
    await expect(offer(browser_page)).to_be_visible()
    await offer(browser_page).get_by_role("button", name="Undo and send").click()

    answer = await answered(browser_page, 1)
    await expect(answer).to_contain_text("Call mom")
    await expect(browser_page.locator("#chat-notice")).to_have_text(
        "The earlier answer's changes were undone."
    )
    edited = own_messages(browser_page).nth(0)
    await expect(edited).to_contain_text("Add a task to call mom")
    await expect(edited.locator(".version-at")).to_have_text("2/2")
    await expect(task_item(browser_page, "Buy milk")).to_have_count(0)
    assert await task_titles(site) == [(2, "Call mom")]

    # The earlier message is still there, with the answer it had.
    await edited.get_by_role("button", name="Previous version of this message").click()
    await expect(own_messages(browser_page).nth(0)).to_contain_text("Add a task to buy milk")
    await expect(own_messages(browser_page).nth(0).locator(".version-at")).to_have_text("1/2")
    await expect(answers(browser_page).nth(0)).to_contain_text("Buy milk")
    await expect(own_messages(browser_page)).to_have_count(1)


async def test_versions_work_on_a_phone(browser_page_phone: Watched) -> None:
    page = await sign_in(browser_page_phone)
    await send(page, "Show me all my tasks")  # changes nothing: no question first
    first = await answered(page, 1)
    await first.get_by_role("button", name="Regenerate this answer").click()
    await expect(answers(page).nth(0).locator(".version-at")).to_have_text("2/2")
    await expect(offer(page)).to_have_count(0)
    previous = answers(page).nth(0).get_by_role("button", name="Previous version of this answer")
    await expect(previous).to_be_in_viewport()
    await previous.click()
    await expect(answers(page).nth(0).locator(".version-at")).to_have_text("1/2")
    # Nothing is wider than the phone's screen.
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
