"""The page shows a conversation's tokens, and the budget's sentence once today's are spent."""

import pytest
from playwright.async_api import expect

from backend.settings import Settings
from backend.usage.budget import BudgetExhausted
from tests.backend.web.browser import Watched
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, send, sign_in


@pytest.fixture
def dev_settings(settings: Settings) -> Settings:
    # One token a day: the first message is admitted (nothing spent yet), the next is not.
    return settings.model_copy(update={"auth_secret": None, "chat_tokens_per_day": 1})


async def test_the_conversations_tokens_show_and_a_spent_budget_is_said(
    page: Watched, site: Site
) -> None:
    browser_page = await sign_in(page)
    await send(browser_page, "Add a task to buy milk")
    await answered(browser_page, 1)
    headers = await site.as_user("alice")
    stored = (await site.http.get("/api/alice/conversations/1/messages", headers=headers)).json()
    usage = stored["messages"][1]["usage"]
    tokens = usage["input_tokens"] + usage["output_tokens"]
    line = browser_page.locator("#chat-usage")
    await expect(line).to_have_text(f"{tokens:,} tokens")

    await send(browser_page, "What's pending?")
    await expect(browser_page.locator("#chat-notice")).to_have_text(BudgetExhausted.detail)
    await browser_page.reload()
    await expect(line).to_have_text(f"{tokens:,} tokens")  # read back from the stored answer
