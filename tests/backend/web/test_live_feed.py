"""The task panel follows the live feed: a change made elsewhere (here over REST, as another
program or device would) shows within a second, without a reload."""

from playwright.async_api import expect

from tests.backend.web.browser import Watched
from tests.backend.web.conftest import Site
from tests.backend.web.pages import sign_in, task_item

WITHIN_MS = 1500  # the promise is "within a second"; a little slack for a busy machine


async def test_changes_made_over_rest_show_in_the_panel(page: Watched, site: Site) -> None:
    browser_page = await sign_in(page)
    await expect(browser_page.locator("#task-empty")).to_be_visible()
    headers = await site.as_user("alice")
    created = await site.http.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    await expect(task_item(browser_page, "Buy milk")).to_be_visible(timeout=WITHIN_MS)

    await site.http.patch("/api/alice/tasks/1", json={"title": "Buy oat milk"}, headers=headers)
    await expect(task_item(browser_page, "Buy oat milk")).to_be_visible(timeout=WITHIN_MS)

    await site.http.patch("/api/alice/tasks/1/complete", headers=headers)
    await expect(task_item(browser_page, "Buy oat milk")).to_have_count(0, timeout=WITHIN_MS)
    await browser_page.get_by_role("button", name="Completed").click()
    await expect(task_item(browser_page, "Buy oat milk")).to_be_visible()

    await site.http.delete("/api/alice/tasks/1", headers=headers)
    await expect(task_item(browser_page, "Buy oat milk")).to_have_count(0, timeout=WITHIN_MS)
    assert created.status_code == 201


async def test_another_users_changes_never_show(page: Watched, site: Site) -> None:
    browser_page = await sign_in(page, "alice")
    bob = await site.as_user("bob")
    await site.http.post("/api/bob/tasks", json={"title": "Bob's secret"}, headers=bob)
    alice = await site.as_user("alice")
    await site.http.post("/api/alice/tasks", json={"title": "Alice's own"}, headers=alice)
    await expect(task_item(browser_page, "Alice's own")).to_be_visible(timeout=WITHIN_MS)
    await expect(browser_page.locator("#task-list")).not_to_contain_text("Bob's secret")
