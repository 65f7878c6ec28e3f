"""All the history in the page: 110 conversations listed page by page as the list scrolls,
grouped by date in the browser's calendar (the browser's clock is set), and searched, on a
desktop and on a phone (where the list is behind the Chats toggle and scrolls in its panel)."""

from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.conversations.seeding import seed
from tests.backend.web.browser import VIEWPORTS, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import open_conversation, show_panel, sign_in

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@VIEWPORTS
async def test_every_conversation_is_reachable_grouped_by_date_and_searchable(
    browser: Browser, site: Site, db_engine: AsyncEngine, viewport: dict[str, int]
) -> None:
    # Conversation 110 changed an hour ago, each earlier one a day before the next.
    await seed(
        db_engine,
        "alice",
        110,
        "Chat",
        "what is pending",
        "Nothing is due.",
        latest=NOW - timedelta(hours=1),
        step=timedelta(days=1),
    )
    async with db_engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE messages SET content = 'call the plumber' WHERE role = 'user'"
                " AND conversation_pk = (SELECT pk FROM conversations WHERE number = 3)"
            )
        )
    in_berlin = watched_page(
        browser, site.url, viewport, timezone_id="Europe/Berlin", locale="en-US"
    )
    async with in_berlin as watched:
        await watched.page.clock.set_fixed_time(NOW)
        page = await sign_in(watched)
        await show_panel(page, "Chats")
        listed = page.locator("#conversation-list li")
        await expect(listed).to_have_count(50)
        headings = page.locator("#conversation-list h3")
        await expect(headings).to_have_text(
            ["Today", "Yesterday", "Previous 7 days", "March 2026", "February 2026", "January 2026"]
        )
        await expect(listed.first).to_contain_text("Chat 110")

        for count in (100, 110):
            await listed.last.scroll_into_view_if_needed()
            await expect(listed).to_have_count(count)
        await expect(headings.last).to_have_text("November 2025")
        await open_conversation(page, "Chat 1")
        await expect(page.locator("#log")).to_contain_text("what is pending 1")

        await show_panel(page, "Chats")
        search = page.get_by_role("searchbox", name="Search conversations")
        await search.fill("PLUMBER")
        await expect(listed).to_have_count(1)
        await expect(listed).to_contain_text("Chat 3")
        await expect(listed.first).to_be_in_viewport()
        await search.fill("no such words")
        await expect(
            page.get_by_role("status").filter(has_text="No conversation mentions")
        ).to_be_visible()
        await search.fill("")
        await expect(listed).to_have_count(50)
        watched.assert_clean()
