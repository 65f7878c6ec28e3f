"""For everyone: named controls, keyboard use that keeps its place, light and dark, no
animation for people who asked for less motion, and no axe violation on any view."""

from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
from playwright.async_api import Browser, Page, expect

from backend.settings import Settings
from tests.backend.web.axe import violations
from tests.backend.web.browser import PHONE, VIEWPORTS, Watched, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, draw_answer, fill_sign_in, send, sign_in, task_item

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


class Views:
    """Walks the page's views as a person gets to them, running axe on each."""

    def __init__(self, page: Page, phone: bool) -> None:
        self.page = page
        self.phone = phone
        self.found: dict[str, list[str]] = {}

    async def check(self, view: str) -> None:
        if problems := await violations(self.page):
            self.found[view] = problems

    async def open_panel(self, name: str) -> None:
        if self.phone:
            await self.page.keyboard.press("Escape")
            await self.page.get_by_role("button", name=name).click()

    async def sign_in(self, origin: str) -> None:
        page = self.page
        await page.goto(origin + "/")
        await expect(page.get_by_label("Your name")).to_be_visible()
        await self.check("sign-in")
        await fill_sign_in(page, "alice")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("group", name="Suggestions")).to_be_visible()
        await self.check("empty conversation")

    async def conversation(self) -> None:
        page = self.page
        await send(page, "Add a task to buy milk tomorrow at 5pm")
        await answered(page, 1, within_ms=15_000)
        await draw_answer(page, RICH_TEXT)
        await page.locator("details.chip summary").first.click()
        await self.check("answer with a chip, table, quote, code and headings")
        await send(page, "Delete task 1")
        await expect(page.get_by_role("group", name="Delete task 1 “Buy milk”?")).to_be_visible()
        await self.check("a question waiting for approval")

    async def task_panel(self) -> None:
        page = self.page
        await self.open_panel("Tasks")
        await page.get_by_role("button", name="Edit task 1 “Buy milk”").click()
        await self.check("task panel with an editor open")
        await page.locator("#task-list").get_by_role("button", name="Cancel", exact=True).click()
        await page.get_by_role("button", name="What changed").click()
        await expect(page.locator("#activity-list li").first).to_be_visible()
        await self.check("what changed")
        await page.get_by_role("button", name="Delete task 1 “Buy milk”", exact=True).click()
        undo = page.get_by_role("button", name="Undo deleting task 1 “Buy milk”")
        await expect(undo).to_be_visible()
        await self.check("undo after a delete")

    async def conversation_list(self) -> None:
        page = self.page
        await self.open_panel("Chats")
        await page.locator("#conversation-list").get_by_role("button", name="Rename").click()
        await expect(page.get_by_role("textbox", name="Conversation title")).to_be_focused()
        await self.check("renaming a conversation")
        await page.keyboard.press("Escape")
        await self.open_panel("Chats")
        await page.get_by_role("searchbox", name="Search conversations").fill("zebra")
        await expect(page.locator("#conversation-status")).to_contain_text("zebra")
        await self.check("conversation search with no match")


@VIEWPORTS
@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_axe_finds_no_violation_on_any_view(
    browser: Browser, site: Site, viewport: dict[str, int], scheme: Literal["light", "dark"]
) -> None:
    async with watched_page(browser, site.url, viewport, color_scheme=scheme) as watched:
        views = Views(watched.page, phone=viewport is PHONE)
        await views.sign_in(site.url)
        await views.conversation()
        await views.task_panel()
        soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        reminder = {"title": "Call mom", "remind_at": soon}
        headers = await site.as_user("alice")
        assert (await site.http.post("/api/alice/tasks", json=reminder, headers=headers)).is_success
        await expect(watched.page.locator("#reminders .reminder")).to_be_visible(timeout=10_000)
        await views.check("a reminder")
        await views.conversation_list()
        assert views.found == {}
        # The check is real: an unnamed field is found.
        await watched.page.evaluate("document.body.append(document.createElement('input'))")
        assert any(problem.startswith("label ") for problem in await violations(watched.page))
