"""The views docs/web.md shows, built as a person gets there, on a desktop and a phone: each
fits its screen without horizontal scroll. Their screenshots land in test-artifacts/ as
docs-*.png; copy them to docs/img/ to refresh the docs."""

from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, Page, expect

from tests.backend.web.browser import DESKTOP, PHONE, screenshot, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, draw_answer, send, sign_in

WEEK = """## Due this week
| # | Task | Due |
|---|---|---|
| 1 | Buy milk | tomorrow |
| 2 | Pay rent | Friday |
> Tip: say "done with 1" when you have it.
"""


async def fits(page: Page) -> bool:
    scroll, client = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return bool(scroll <= client)


async def add_tasks(site: Site) -> None:
    headers = await site.as_user("alice")
    friday = (datetime.now(UTC) + timedelta(days=4)).replace(hour=9, minute=0, second=0)
    for task in (
        {"title": "Pay rent", "priority": "high", "tags": ["home"], "due_at": friday.isoformat(),
         "recurrence": "monthly"},
        {"title": "Call the dentist", "tags": ["health"], "remind_at": friday.isoformat()},
    ):  # fmt: skip
        response = await site.http.post("/api/alice/tasks", json=task, headers=headers)
        assert response.status_code == 201, response.text


async def test_the_documented_views_fit_their_screens(browser: Browser, site: Site) -> None:
    await add_tasks(site)
    async with watched_page(browser, site.url, DESKTOP) as watched:
        page = watched.page
        await page.goto(site.url + "/")
        await expect(page.get_by_label("Your name")).to_be_visible()
        await screenshot(page, "docs-sign-in")
        await sign_in(watched)
        await send(page, "Add a task to buy milk tomorrow at 5pm")
        await answered(page, 1, within_ms=20_000)
        await send(page, "What's pending?")
        await answered(page, 2, within_ms=20_000)
        await (await draw_answer(page, WEEK)).scroll_into_view_if_needed()
        await page.get_by_role("button", name="Edit task 1 “Pay rent”").click()
        assert await fits(page)
        await screenshot(page, "docs-desktop")

    async with watched_page(browser, site.url, PHONE) as watched:
        page = await sign_in(watched)
        await page.get_by_role("button", name="Chats").click()
        await page.get_by_role("button", name="Add: Buy milk").first.click()
        await answered(page, 2, within_ms=20_000)
        assert await fits(page)
        await screenshot(page, "docs-phone-chat")
        await page.get_by_role("button", name="Tasks").click()
        await page.get_by_role("button", name="Edit task 3 “Buy milk”").click()
        assert await fits(page)
        await screenshot(page, "docs-phone-tasks")
