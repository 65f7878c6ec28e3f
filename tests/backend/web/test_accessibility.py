"""For everyone: named controls, keyboard use that keeps its place, light and dark, no
animation for people who asked for less motion, and no axe violation on any view."""

from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
from playwright.async_api import Browser, expect

from backend.settings import Settings
from tests.backend.web.axe import violations
from tests.backend.web.browser import DESKTOP, PHONE, Watched, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, draw_answer, send, sign_in, task_item

BACKGROUND = "getComputedStyle(document.body).backgroundColor"
# The pulsing mark on a conversation still answering, drawn for a moment to read its style.
RUNNING_MARK_ANIMATION = """(() => {
  const mark = document.createElement("span");
  mark.className = "running";
  document.body.append(mark);
  const name = getComputedStyle(mark).animationName;
  mark.remove();
  return name;
})()"""


async def test_tasks_can_be_added_toggled_and_edited_from_the_keyboard(
    page: Watched, site: Site
) -> None:
    browser_page = await sign_in(page)
    await browser_page.get_by_role("textbox", name="New task").fill("Buy milk")
    await browser_page.keyboard.press("Enter")
    await browser_page.get_by_role("button", name="All").click()
    done = browser_page.get_by_role("checkbox", name="Buy milk")
    await done.focus()
    await browser_page.keyboard.press("Space")
    await expect(done).to_be_checked()
    await expect(done).to_be_focused()  # the redraw kept the person's place

    await browser_page.get_by_role("button", name="Edit task 1 “Buy milk”").press("Enter")
    title = browser_page.get_by_role("textbox", name="Title of task 1")
    await expect(title).to_be_focused()
    await title.fill("Buy oat milk")
    await title.press("Enter")
    await expect(task_item(browser_page, "Buy oat milk")).to_be_visible()
    await expect(
        browser_page.get_by_role("button", name="Edit task 1 “Buy oat milk”")
    ).to_be_focused()
    response = await site.http.get("/api/alice/tasks/1", headers=await site.as_user("alice"))
    assert response.json()["title"] == "Buy oat milk"
    assert response.json()["completed"] is True


async def test_the_page_follows_the_colour_scheme_and_reduced_motion(page: Watched) -> None:
    browser_page = await sign_in(page)
    await browser_page.emulate_media(color_scheme="light")
    light = await browser_page.evaluate(BACKGROUND)
    await browser_page.emulate_media(color_scheme="dark")
    assert await browser_page.evaluate(BACKGROUND) != light

    await browser_page.emulate_media(reduced_motion="no-preference")
    assert await browser_page.evaluate(RUNNING_MARK_ANIMATION) == "pulse"
    await browser_page.emulate_media(reduced_motion="reduce")
    assert await browser_page.evaluate(RUNNING_MARK_ANIMATION) == "none"


async def test_a_change_arriving_while_editing_keeps_the_persons_place(
    page: Watched, site: Site
) -> None:
    browser_page = await sign_in(page)
    await browser_page.get_by_role("textbox", name="New task").fill("Buy milk")
    await browser_page.keyboard.press("Enter")
    await browser_page.get_by_role("button", name="Edit task 1 “Buy milk”").press("Enter")
    title = browser_page.get_by_role("textbox", name="Title of task 1")
    await expect(title).to_be_focused()
    await title.press("End")
    await title.press_sequentially(" and eggs")

    headers = await site.as_user("alice")
    created = await site.http.post("/api/alice/tasks", json={"title": "Call mom"}, headers=headers)
    assert created.status_code == 201
    await expect(task_item(browser_page, "Call mom")).to_be_visible()  # redrawn from the feed

    await expect(title).to_be_focused()
    await title.press_sequentially(" too")
    await expect(title).to_have_value("Buy milk and eggs too")


# Every block of the Markdown subset, headings of two depths among them.
RICH_TEXT = """# This week
## Tasks
| # | Task | Due |
|---|---|---|
| 1 | **Buy milk** | tomorrow |
> A quote, with `code` and a [link](https://example.com/).

```python
print("hi")
```
- one
- two
"""


@pytest.fixture
def dev_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_secret": None, "reminder_interval_seconds": 0.2})


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_axe_finds_no_violation_on_any_view(
    browser: Browser, site: Site, viewport: dict[str, int], scheme: Literal["light", "dark"]
) -> None:
    found: dict[str, list[str]] = {}

    async def check(view: str) -> None:
        if problems := await violations(page):
            found[view] = problems

    phone = viewport is PHONE
    async with watched_page(browser, site.url, viewport, color_scheme=scheme) as watched:
        page = watched.page
        await page.goto(site.url + "/")
        await expect(page.get_by_label("Your name")).to_be_visible()
        await check("sign-in")
        await page.get_by_label("Your name").fill("alice")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("group", name="Suggestions")).to_be_visible()
        await check("empty conversation")

        await send(page, "Add a task to buy milk tomorrow at 5pm")
        await answered(page, 1)
        await draw_answer(page, RICH_TEXT)
        await page.locator("details.chip summary").first.click()
        await check("answer with a chip, table, quote, code and headings")
        await send(page, "Delete task 1")
        await expect(page.get_by_role("group", name="Delete task 1 “Buy milk”?")).to_be_visible()
        await check("a question waiting for approval")

        if phone:
            await page.get_by_role("button", name="Tasks").click()
        await page.get_by_role("button", name="Edit task 1 “Buy milk”").click()
        await check("task panel with an editor open")
        await page.keyboard.press("Escape")
        if phone:
            await page.get_by_role("button", name="Tasks").click()
        await page.get_by_role("button", name="What changed").click()
        await expect(page.locator("#activity-list li").first).to_be_visible()
        await check("what changed")
        await page.get_by_role("button", name="Delete task 1 “Buy milk”", exact=True).click()
        undo = page.get_by_role("button", name="Undo deleting task 1 “Buy milk”")
        await expect(undo).to_be_visible()
        await check("undo after a delete")

        soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        headers = await site.as_user("alice")
        await site.http.post(
            "/api/alice/tasks", json={"title": "Call mom", "remind_at": soon}, headers=headers
        )
        await expect(page.locator("#reminders .reminder")).to_be_visible(timeout=10_000)
        await check("a reminder")

        if phone:
            await page.keyboard.press("Escape")
            await page.get_by_role("button", name="Chats").click()
        await page.get_by_role("searchbox", name="Search conversations").fill("zebra")
        await expect(page.locator("#conversation-status")).to_contain_text("zebra")
        await check("conversation search with no match")
        assert found == {}
        # The check is real: an unnamed field is found.
        await page.evaluate("document.body.append(document.createElement('input'))")
        assert any(problem.startswith("label ") for problem in await violations(page))
