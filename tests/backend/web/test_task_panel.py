"""The task panel at desktop and phone sizes (issue 21 point 9): the Due and Reminder editors
show their whole value, a reminder never covers the message box, and a date is written one
way, in the person's locale: on the panel, on the chat's chips and in the answer's words."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, FloatRect, Locator, expect

from backend.settings import Settings
from tests.backend.web.browser import VIEWPORTS, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, send, show_panel, sign_in, task_item

# The width the field asks for to show its value whole (a copy at its natural width, in the same
# place so the same font) against the width it has. A date-time field does not scroll (its
# scrollWidth equals its clientWidth when cut), so the copy measures what it needs.
WIDTHS = """(input) => {
  const copy = input.cloneNode();
  copy.value = input.value;
  copy.style.width = "auto";
  copy.style.position = "absolute";
  input.after(copy);
  const needs = copy.getBoundingClientRect().width;
  copy.remove();
  return { needs, has: input.getBoundingClientRect().width,
           scroll: input.scrollWidth, client: input.clientWidth };
}"""


@pytest.fixture
def dev_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_secret": None, "reminder_interval_seconds": 0.2})


async def box(locator: Locator) -> FloatRect:
    found = await locator.bounding_box()
    assert found is not None
    return found


def overlap(a: FloatRect, b: FloatRect) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@VIEWPORTS
async def test_due_and_reminder_editors_show_their_whole_value(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    task: dict[str, Any] = {
        "title": "Pay rent",
        "due_at": "2026-12-20T21:45:00+00:00",
        "remind_at": "2026-12-20T20:45:00+00:00",
    }
    headers = await site.as_user("alice")
    assert (await site.http.post("/api/alice/tasks", json=task, headers=headers)).is_success
    async with watched_page(browser, site.url, viewport, timezone_id="UTC") as watched:
        page = await sign_in(watched)
        await show_panel(page, "Tasks")
        await page.get_by_role("button", name="Edit task 1 “Pay rent”").click()
        for label, value in (("Due", "2026-12-20T21:45"), ("Reminder", "2026-12-20T20:45")):
            field = page.get_by_label(label, exact=True)
            await expect(field).to_have_value(value)
            widths = await field.evaluate(WIDTHS)
            assert widths["scroll"] <= widths["client"], f"{label} is cut off"
            assert widths["needs"] <= widths["has"] + 0.5, f"{label} is cut off"


@VIEWPORTS
async def test_a_reminder_does_not_cover_the_message_box(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    async with watched_page(browser, site.url, viewport) as watched:
        page = await sign_in(watched)
        await expect(page.locator("#task-empty:not([hidden])")).to_be_attached()  # tasks loaded
        soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        for title in ("Call the dentist", "Water the plants"):
            created = await site.http.post(
                "/api/alice/tasks",
                json={"title": title, "remind_at": soon},
                headers=await site.as_user("alice"),
            )
            assert created.status_code == 201
        reminders = page.locator("#reminders .reminder")
        await expect(reminders).to_have_count(2, timeout=10_000)
        composer = await box(page.locator("#composer"))
        assert composer["y"] + composer["height"] <= viewport["height"]  # still on the screen
        for index in range(2):
            assert not overlap(await box(reminders.nth(index)), composer)
        message = page.get_by_role("textbox", name="Message")
        await message.fill("still typing")  # the box takes input while reminders show
        await expect(message).to_have_value("still typing")


@VIEWPORTS
async def test_a_due_date_is_written_one_way_in_the_persons_locale(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    async with watched_page(
        browser, site.url, viewport, locale="en-GB", timezone_id="Europe/London"
    ) as watched:
        page = await sign_in(watched)
        await send(page, "Add a task to buy milk tomorrow at 5pm")
        answer = await answered(page, 1, within_ms=15_000)
        chip = answer.locator("details.chip summary")
        await expect(chip).to_contain_text("Added task 1 · Buy milk · due ")
        await show_panel(page, "Tasks")
        due = task_item(page, "Buy milk").locator(".due")
        await expect(due).to_contain_text("Due ")
        shown = (await due.inner_text()).removeprefix("Due ")
        assert (await chip.inner_text()).endswith(f"· due {shown}")
        await expect(answer.locator(".body time")).to_have_text(shown)  # and the answer's words
        # en-GB: day before month, a 24-hour clock ("Mon 7 Dec, 17:00").
        assert "17:00" in shown
        assert "PM" not in shown
