"""Undo on the chat page: under an answer that changed tasks, a few seconds after a Delete in
the task panel (which asks nothing first), and from "What changed"."""

from playwright.async_api import expect

from tests.backend.web.browser import Watched
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, send, sign_in, task_item


async def test_an_answer_that_changed_tasks_can_be_undone(page: Watched, site: Site) -> None:
    browser_page = await sign_in(page)
    await send(browser_page, "Add a task to buy milk")
    answer = await answered(browser_page, 1)
    await expect(task_item(browser_page, "Buy milk")).to_be_visible()

    await answer.get_by_role("button", name="Undo what this answer changed").click()

    await expect(answer.get_by_role("status")).to_have_text("Undone.")
    await expect(task_item(browser_page, "Buy milk")).to_have_count(0)
    response = await site.http.get("/api/alice/tasks", headers=await site.as_user("alice"))
    assert response.json()["tasks"] == []
    await send(browser_page, "Show me all my tasks")  # changes nothing: no Undo
    listing = await answered(browser_page, 2)
    await expect(listing.get_by_role("button", name="Undo what this answer changed")).to_have_count(
        0
    )


async def test_delete_in_the_panel_is_at_once_and_offers_undo(page: Watched, site: Site) -> None:
    headers = await site.as_user("alice")
    await site.http.post(
        "/api/alice/tasks", json={"title": "Pay rent", "tags": ["home"]}, headers=headers
    )
    browser_page = await sign_in(page)
    await browser_page.get_by_role("button", name="Delete task 1 “Pay rent”").click()

    await expect(task_item(browser_page, "Pay rent")).to_have_count(0)
    assert (await site.http.get("/api/alice/tasks/1", headers=headers)).status_code == 404
    undo = browser_page.get_by_role("button", name="Undo deleting task 1 “Pay rent”")
    await expect(undo).to_be_focused()
    await undo.click()

    await expect(task_item(browser_page, "Pay rent")).to_be_visible()
    back = (await site.http.get("/api/alice/tasks/1", headers=headers)).json()
    assert (back["title"], back["tags"]) == ("Pay rent", ["home"])
    await expect(browser_page.locator("#task-undo")).to_be_hidden()


async def test_what_changed_lists_changes_and_undoes_one(page: Watched, site: Site) -> None:
    headers = await site.as_user("alice")
    await site.http.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    await site.http.patch("/api/alice/tasks/1", json={"title": "Buy oat milk"}, headers=headers)
    browser_page = await sign_in(page)
    await browser_page.get_by_role("button", name="What changed").click()

    changes = browser_page.locator("#activity-list li")
    await expect(changes).to_have_count(2)
    await expect(changes.nth(0)).to_contain_text("Changed #1 “Buy oat milk”")
    await expect(changes.nth(1)).to_contain_text("Added #1 “Buy milk”")
    await changes.nth(0).get_by_role("button", name="Undo: Changed #1 “Buy oat milk”").click()

    await expect(task_item(browser_page, "Buy milk")).to_be_visible()
    await expect(changes).to_have_count(3)
    await expect(changes.nth(1)).to_contain_text("(undone)")
    task = (await site.http.get("/api/alice/tasks/1", headers=headers)).json()
    assert task["title"] == "Buy milk"
