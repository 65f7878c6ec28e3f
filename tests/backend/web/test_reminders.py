"""Reminders on the chat page: when a task's `remind_at` passes, the live feed's `reminder`
shows an alert naming the task; a browser notification too, but only once the person has
allowed them with the button (the page never asks on its own)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, Page, expect

from backend.settings import Settings
from tests.backend.web.browser import Watched, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import sign_in

# Records what the page asks of the real Notification API (it still does the work).
RECORD_NOTIFICATIONS = """
const Real = window.Notification;
window.recorded = { shown: [], asked: 0 };
window.Notification = class extends Real {
  constructor(title, options) {
    super(title, options);
    window.recorded.shown.push(options.body);
  }
  static requestPermission() {
    window.recorded.asked += 1;
    return Real.requestPermission();
  }
};
"""
WITHIN_MS = 10_000  # the reminder loop runs every 0.2 s here; slack for a busy machine


@pytest.fixture
def dev_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_secret": None, "reminder_interval_seconds": 0.2})


async def remind_soon(site: Site, title: str) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    response = await site.http.post(
        "/api/alice/tasks",
        json={"title": title, "remind_at": soon},
        headers=await site.as_user("alice"),
    )
    assert response.status_code == 201, response.text


async def recorded(page: Page) -> dict[str, object]:
    result: dict[str, object] = await page.evaluate("window.recorded")
    return result


@pytest.fixture
async def recording_page(browser: Browser, site: Site) -> AsyncIterator[Watched]:
    async with watched_page(browser, site.url) as watched:
        await watched.page.add_init_script(RECORD_NOTIFICATIONS)
        yield watched


@pytest.fixture
async def allowed_page(browser: Browser, site: Site) -> AsyncIterator[Watched]:
    async with watched_page(browser, site.url, permissions=["notifications"]) as watched:
        await watched.page.add_init_script(RECORD_NOTIFICATIONS)
        yield watched


async def test_a_reminder_shows_a_notice_naming_the_task_and_asks_nothing(
    recording_page: Watched, site: Site
) -> None:
    page = await sign_in(recording_page)
    await expect(page.locator("#task-empty")).to_be_visible()  # the feed is connected
    await remind_soon(site, "Call the dentist")
    notice = page.get_by_role("alert").filter(has_text="Reminder: #1 Call the dentist")
    await expect(notice).to_be_visible(timeout=WITHIN_MS)
    assert await recorded(page) == {"shown": [], "asked": 0}

    await notice.get_by_role("button", name="Dismiss reminder for task 1").click()
    await expect(page.locator("#reminders .reminder")).to_have_count(0)
    await page.get_by_role("button", name="Notify me").click()
    assert (await recorded(page))["asked"] == 1


async def test_once_allowed_a_reminder_is_also_a_browser_notification(
    allowed_page: Watched, site: Site
) -> None:
    page = await sign_in(allowed_page)
    await expect(page.get_by_role("button", name="Notify me")).to_be_hidden()
    await expect(page.locator("#task-empty")).to_be_visible()
    await remind_soon(site, "Renew passport")
    await expect(page.locator("#reminders")).to_contain_text(
        "Reminder: #1 Renew passport", timeout=WITHIN_MS
    )
    assert await recorded(page) == {"shown": ["#1 Renew passport"], "asked": 0}
