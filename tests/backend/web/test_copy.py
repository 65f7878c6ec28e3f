"""Copy a message, or one code block on its own under its language label (clipboard read
back in Chromium), on a desktop and on a phone."""

import re

from playwright.async_api import Browser, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.conversations.seeding import seed
from tests.backend.web.browser import VIEWPORTS, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import open_conversation, sign_in

ANSWER = "Here is how:\n\n```python\nprint('milk')\n```\n\nThat **prints** it."


@VIEWPORTS
async def test_a_message_and_a_code_block_are_copied(
    browser: Browser, site: Site, db_engine: AsyncEngine, viewport: dict[str, int]
) -> None:
    await seed(db_engine, "alice", 1, "Code", "show me code", "")
    async with db_engine.begin() as connection:
        await connection.execute(
            text("UPDATE messages SET content = :answer WHERE role = 'assistant'"),
            {"answer": ANSWER},
        )
    allowed = ["clipboard-read", "clipboard-write"]
    async with watched_page(browser, site.url, viewport, permissions=allowed) as watched:
        page = await sign_in(watched)
        await open_conversation(page, "Code 1")
        answer = page.locator("#log article.assistant")
        await expect(answer.locator(".code-language")).to_have_text("python")
        assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        # The message's time: on hover (title) and said to a screen reader.
        sent = answer.locator("time.sent-at")
        await expect(sent).to_be_visible()
        await expect(sent).to_have_attribute("title", re.compile(r"\d{4}"))
        await expect(sent.locator(".visually-hidden")).to_contain_text("Sent ")

        copy_code = answer.get_by_role("button", name="Copy python code")
        await expect(copy_code).to_be_in_viewport()
        await copy_code.click()
        await expect(answer.get_by_role("button", name="Copy python code: copied")).to_be_visible()
        assert await page.evaluate("navigator.clipboard.readText()") == "print('milk')"

        await answer.get_by_role("button", name="Copy message").click()
        assert await page.evaluate("navigator.clipboard.readText()") == ANSWER
        question = page.locator("#log article.user")
        await question.get_by_role("button", name="Copy message").click()
        assert await page.evaluate("navigator.clipboard.readText()") == "show me code 1"
        watched.assert_clean()
