"""What the outage tests share: a slow answer to break in the middle of, what the page shows
of it, and the conversation as PostgreSQL stores it."""

from playwright.async_api import Locator, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backend.web.pages import answers, send
from tests.fakes.openai_server import FakeConfig
from tests.rows import rows

# What a person is shown, at most this long after the fault (issue 20 point 5).
SHOWN_WITHIN_MS = 2000
ANSWER_MS = 20_000
BANNER_LOST = "Connection to the server lost: reconnecting…"
BANNER_BACK = "Connection back."


def slow_model(stall_after_frames: int | None = None) -> FakeConfig:
    """A fake model writing a slow answer (about 4 s): long enough to break in the middle of."""
    return FakeConfig(
        tokens_per_second=15, reply_words=40, chunk_size=4, stall_after_frames=stall_after_frames
    )


Stored = list[tuple[str, str, str | None]]  # (role, content, status), in order


async def writing(answer: Locator) -> None:
    """Wait until the answer is being written and has some text."""
    await expect(answer).to_have_class("message assistant writing")
    await expect(answer.locator(".body")).to_contain_text(" ")


async def mid_answer(page: Page, message: str = "hello") -> Locator:
    """Send `message` and wait until its answer is being written."""
    await send(page, message)
    answer = answers(page).last
    await writing(answer)
    return answer


async def stored(engine: AsyncEngine, user: str = "alice") -> Stored:
    """The user's messages in every conversation, as stored."""
    found = await rows(
        engine,
        "SELECT m.role, m.content, m.status FROM messages m"
        " JOIN conversations c ON c.pk = m.conversation_pk"
        " WHERE c.user_id = :user ORDER BY c.number, m.number",
        user=user,
    )
    return [(str(role), str(content), status) for role, content, status in found]


async def user_messages_shown(page: Page) -> list[str]:
    return [
        text.strip() for text in await page.locator("#log article.user p.plain").all_inner_texts()
    ]


async def asked_once(page: Page, engine: AsyncEngine, message: str) -> None:
    """The person's message is stored once and shown once."""
    assert [c for role, c, _s in await stored(engine) if role == "user"].count(message) == 1
    assert (await user_messages_shown(page)).count(message) == 1


async def next_message_answered(page: Page, engine: AsyncEngine, count: int) -> None:
    """Recovered without a reload: a new message gets a finished answer (the `count`-th on the
    page), stored as completed."""
    await send(page, "are you back?")
    await expect(answers(page)).to_have_count(count)
    answer = answers(page).nth(count - 1)
    await expect(answer).to_have_class("message assistant", timeout=ANSWER_MS)
    (asked_role, _c, _s), (role, content, status) = (await stored(engine))[-2:]
    assert (asked_role, role, status) == ("user", "assistant", "completed")
    assert content.split() == (await answer.locator(".body").inner_text()).split()
