"""Due dates on the chat page on reference days (tests/clock.py): the browser's clock is set
to the day (Playwright's `page.clock`), so what is overdue and how a date reads is the page's
own judgement on that day. The server keeps the real clock; nothing asserted here asks it
what time it is (it only stores and returns the instants the test wrote)."""

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect

from tests.backend.web.browser import Watched, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import sign_in, task_item
from tests.clock import ReferenceDay, dst_eves, reference_days

ZONE = ZoneInfo("Europe/Berlin")
# A few days only (each is a browser run): a Sunday, 29 February, and the spring-forward
# eve, where "tomorrow at 9:00" is on the day the clock jumps.
DAYS = [
    day
    for day in reference_days(ZONE)
    if day.name in {"sunday", "leap-day"} or day == dst_eves(ZONE)[0]
]


@pytest.fixture
async def berlin_page(browser: Browser, site: Site) -> AsyncIterator[Watched]:
    async with watched_page(browser, site.url, timezone_id=ZONE.key, locale="en-US") as watched:
        yield watched


def day_shown(moment: datetime) -> str:
    """How the page starts a date in en-US: "Sun, Mar 29" (no zero padding)."""
    return f"{moment:%a, %b} {moment.day}"


@pytest.mark.parametrize("day", DAYS, ids=lambda day: day.name)
async def test_overdue_and_due_dates_as_the_page_sees_them_on_the_day(
    day: ReferenceDay, berlin_page: Watched, site: Site
) -> None:
    now = day.moment(ZONE)
    tomorrow_nine = datetime.combine(now.date() + timedelta(days=1), time(9), tzinfo=ZONE)
    due = {
        "End of yesterday": datetime.combine(
            now.date() - timedelta(days=1), time(23, 59), tzinfo=ZONE
        ),
        "A minute ago": now - timedelta(minutes=1),
        "In an hour": now + timedelta(hours=1),
        "Tomorrow morning": tomorrow_nine,
    }
    headers = await site.as_user("alice")
    for title, when in due.items():
        body = {"title": title, "due_at": when.isoformat()}
        response = await site.http.post("/api/alice/tasks", json=body, headers=headers)
        assert response.status_code == 201, response.text
    await berlin_page.page.clock.set_fixed_time(now)

    page = await sign_in(berlin_page)

    for title in ("End of yesterday", "A minute ago"):
        await expect(task_item(page, title).locator(".due")).to_contain_text("Overdue: ")
    for title in ("In an hour", "Tomorrow morning"):
        shown = task_item(page, title).locator(".due")
        await expect(shown).to_contain_text(f"Due {day_shown(due[title])}")
        await expect(shown).not_to_contain_text("Overdue")
    # 9:00 on Berlin's clock, whatever its offset that day.
    await expect(task_item(page, "Tomorrow morning").locator(".due")).to_contain_text("9:00")
    await expect(task_item(page, "End of yesterday").locator(".due")).to_contain_text(
        day_shown(due["End of yesterday"])
    )
