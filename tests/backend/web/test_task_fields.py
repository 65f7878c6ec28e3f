"""The richer task fields on the chat page (docs/tasks.md): shown on each task, edited in the
panel and then what REST returns, in the person's own time zone; filters and sorts asked of
the server; hostile tag text inert; still no horizontal scroll at 375 px."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.web.browser import PHONE, Watched, screenshot, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, send, sign_in, task_item
from tests.rows import rows

ZONE = "Asia/Tokyo"  # UTC+9 all year: wall times differ from UTC by a known amount
JAN_1, JAN_2 = "2030-01-01T10:00:00Z", "2030-01-02T10:00:00Z"


@pytest.fixture
async def tokyo_page(browser: Browser, site: Site) -> AsyncIterator[Watched]:
    async with watched_page(browser, site.url, timezone_id=ZONE) as watched:
        yield watched


async def add_tasks(site: Site, *tasks: dict[str, Any]) -> None:
    headers = await site.as_user("alice")
    for task in tasks:
        response = await site.http.post("/api/alice/tasks", json=task, headers=headers)
        assert response.status_code == 201, response.text


def titles(page: Page) -> Any:
    return page.locator("#task-list li .task-title")


async def test_the_fields_show_on_each_task_and_overdue_is_marked(
    page: Watched, site: Site
) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    await add_tasks(
        site,
        {"title": "Pay rent", "priority": "high", "tags": ["home", "bills"], "due_at": yesterday,
         "recurrence": "monthly"},
        {"title": "Plan trip", "due_at": "2030-05-01T09:30:00+00:00"},
    )  # fmt: skip
    browser_page = await sign_in(page)
    rent = task_item(browser_page, "Pay rent")
    for shown in ("high", "#home", "#bills", "Overdue:", "repeats monthly"):
        await expect(rent).to_contain_text(shown)
    await expect(rent.locator(".overdue")).to_be_visible()
    trip = task_item(browser_page, "Plan trip")
    await expect(trip).to_contain_text("Due ")
    await expect(trip).not_to_contain_text("Overdue")


async def test_fields_edited_in_the_panel_are_what_rest_returns(
    tokyo_page: Watched, site: Site, db_engine: AsyncEngine
) -> None:
    await add_tasks(site, {"title": "Plan trip"})
    browser_page = await sign_in(tokyo_page)
    await browser_page.get_by_role("button", name="Edit task 1 “Plan trip”").click()
    item = browser_page.locator("#task-list li.editing")
    await item.get_by_label("Priority").select_option("high")
    await item.get_by_label("Tags").fill("Travel,  family ")
    await item.get_by_label("Due").fill("2030-05-01T09:30")
    await item.get_by_label("Repeats").select_option("weekly")
    await item.get_by_label("Reminder").fill("2030-05-01T08:00")
    await item.get_by_role("button", name="Save").click()

    trip = task_item(browser_page, "Plan trip")
    for shown in ("high", "#travel", "#family", "repeats weekly", "9:30"):
        await expect(trip).to_contain_text(shown)
    response = await site.http.get("/api/alice/tasks/1", headers=await site.as_user("alice"))
    task = response.json()
    assert (task["priority"], task["tags"], task["recurrence"]) == (
        "high",
        ["travel", "family"],
        "weekly",
    )
    # The wall times the person typed, in their zone (09:30 in Tokyo is 00:30 UTC).
    assert datetime.fromisoformat(task["due_at"]) == datetime(2030, 5, 1, 0, 30, tzinfo=UTC)
    assert datetime.fromisoformat(task["remind_at"]) == datetime(2030, 4, 30, 23, 0, tzinfo=UTC)
    # The write carried the zone, so the recurrence follows Tokyo's calendar.
    assert await rows(db_engine, "SELECT time_zone FROM tasks") == [(ZONE,)]

    await browser_page.get_by_role("button", name="Edit task 1 “Plan trip”").click()
    await item.get_by_label("Repeats").select_option("never")
    await item.get_by_label("Due").fill("")
    await item.get_by_role("button", name="Save").click()
    await expect(trip).not_to_contain_text("repeats")
    response = await site.http.get("/api/alice/tasks/1", headers=await site.as_user("alice"))
    assert (response.json()["due_at"], response.json()["recurrence"]) == (None, None)


async def test_chat_and_the_panel_send_the_browsers_time_zone(
    tokyo_page: Watched, site: Site, db_engine: AsyncEngine
) -> None:
    browser_page = await sign_in(tokyo_page)
    await send(browser_page, "Add a task to pay rent due tomorrow")
    await answered(browser_page, 1)
    await browser_page.get_by_role("textbox", name="New task").fill("Water plants")
    await browser_page.keyboard.press("Enter")
    await expect(task_item(browser_page, "Water plants")).to_be_visible()

    stored = await rows(db_engine, "SELECT title, time_zone, due_at FROM tasks ORDER BY number")
    assert [(title, zone) for title, zone, _ in stored] == [
        ("Pay rent", ZONE),
        ("Water plants", ZONE),
    ]
    tomorrow = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
    assert stored[0][2].astimezone(ZoneInfo(ZONE)).date() == tomorrow


async def test_filters_and_sorts_change_what_the_panel_lists(page: Watched, site: Site) -> None:
    await add_tasks(
        site,
        {"title": "Pay rent", "priority": "high", "tags": ["home"], "due_at": JAN_2},
        {"title": "Write report", "priority": "low", "tags": ["work"], "due_at": JAN_1},
        {"title": "Call mom", "tags": ["home"]},
    )  # fmt: skip
    browser_page = await sign_in(page)
    await expect(titles(browser_page)).to_have_text(["Pay rent", "Write report", "Call mom"])
    options = browser_page.locator("#tasks .task-options")

    async with browser_page.expect_request(lambda request: "sort=due_at" in request.url):
        await options.get_by_label("Sort by").select_option("due_at")
    await expect(titles(browser_page)).to_have_text(["Write report", "Pay rent", "Call mom"])

    async with browser_page.expect_request(lambda request: "priority=high" in request.url):
        await options.get_by_label("Priority").select_option("high")
    await expect(titles(browser_page)).to_have_text(["Pay rent"])

    await options.get_by_label("Priority").select_option("")
    async with browser_page.expect_request(lambda request: "tag=home" in request.url):
        await options.get_by_label("Tag").select_option("home")
    await expect(titles(browser_page)).to_have_text(["Pay rent", "Call mom"])
    await expect(options.get_by_label("Tag").locator("option")).to_have_text(
        ["any tag", "home (2)", "work (1)"]
    )

    await options.get_by_label("Sort by").select_option("title")
    await expect(titles(browser_page)).to_have_text(["Call mom", "Pay rent"])


async def test_hostile_tag_text_stays_inert(page: Watched, site: Site) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    await add_tasks(site, {"title": "Tagged", "tags": [hostile, "<b>x</b>"]})
    browser_page = await sign_in(page)
    tagged = task_item(browser_page, "Tagged")
    await expect(tagged).to_contain_text(f"#{hostile}")
    await expect(tagged).to_contain_text("#<b>x</b>")
    await expect(browser_page.locator("#only-tag option")).to_contain_text([f"{hostile} (1)"])
    await expect(browser_page.locator("#tasks img, #tasks b")).to_have_count(0)


async def test_the_phone_layout_with_the_fields_and_the_editor_has_no_horizontal_scroll(
    browser_page_phone: Watched, site: Site
) -> None:
    await add_tasks(
        site,
        {"title": "A rather long task title that goes on and on", "priority": "medium",
         "tags": ["averyveryverylongtagname", "home", "errands"],
         "due_at": "2030-01-02T10:00:00Z", "recurrence": "weekdays",
         "remind_at": "2030-01-02T09:00:00Z"},
    )  # fmt: skip
    page = await sign_in(browser_page_phone)
    await page.get_by_role("button", name="Tasks").click()
    await expect(page.locator("#task-list li")).to_have_count(1)
    await screenshot(page, "phone-task-fields")
    assert await no_horizontal_scroll(page)
    await page.locator("#task-list li").get_by_role("button", name="Edit").click()
    await expect(page.locator("#task-list li.editing")).to_be_visible()
    await screenshot(page, "phone-task-editor")
    assert await no_horizontal_scroll(page)


async def no_horizontal_scroll(page: Page) -> bool:
    scroll, client = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert client == PHONE["width"]
    return bool(scroll <= client)
