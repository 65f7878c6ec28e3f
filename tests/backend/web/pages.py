"""What a person does on the chat page, written once for the browser tests."""

from playwright.async_api import Locator, Page, expect

from tests.backend.web.browser import Watched

# The sign-in code of the test's dev secret (set for each test by conftest.py): what the
# person reads in the server's terminal.
DEV_CODE = ""


async def fill_sign_in(page: Page, user: str = "alice") -> None:
    """Type a name and the server's sign-in code into the dev sign-in form."""
    await page.get_by_label("Your name").fill(user)
    code = page.get_by_label("Sign-in code")
    if not await code.input_value():  # remembered by this browser after a first sign-in
        await code.fill(DEV_CODE)


async def sign_in(watched: Watched, user: str = "alice") -> Page:
    """Open the page and sign in by name and the server's sign-in code (dev mode)."""
    page = watched.page
    await page.goto(watched.origin + "/")
    await fill_sign_in(page, user)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    return page


async def send(page: Page, message: str) -> None:
    """Type a message and press Enter."""
    box = page.get_by_role("textbox", name="Message")
    await box.fill(message)
    await box.press("Enter")


def answers(page: Page) -> Locator:
    return page.locator("#log article.assistant")


async def answered(page: Page, count: int, within_ms: float = 5000) -> Locator:
    """The `count`-th answer, once it is finished."""
    answer = answers(page).nth(count - 1)
    await expect(answer).not_to_have_class("message assistant writing", timeout=within_ms)
    await expect(answers(page)).to_have_count(count)
    return answer


def task_item(page: Page, title: str) -> Locator:
    return page.locator("#task-list li").filter(has_text=title)


# An answer drawn by the page's own AnswerView, as if streamed and finished.
DRAW_ANSWER = """async (text) => {
  const { AnswerView } = await import("/static/js/messages.js");
  const view = new AnswerView(document.getElementById("announcer"));
  document.getElementById("log").append(view.element);
  view.append(text);
  view.finish("completed");
}"""


async def draw_answer(page: Page, text: str) -> Locator:
    """Draw `text` as a finished answer (Markdown no offline answer writes), the last one."""
    await page.evaluate(DRAW_ANSWER, text)
    return answers(page).last


async def show_panel(page: Page, name: str) -> None:
    """Show the "Chats" or "Tasks" panel as a person would: on a phone it sits behind its
    toggle in the bar (pressed to open it), on a desktop it is always there."""
    toggle = page.get_by_role("button", name=name, exact=True)
    if await toggle.is_visible() and await toggle.get_attribute("aria-expanded") != "true":
        await toggle.click()
    panel = {"Chats": "#chats", "Tasks": "#tasks"}[name]
    await expect(page.locator(panel)).to_be_visible()


async def open_conversation(page: Page, title: str) -> None:
    """Choose a conversation in the list (which a phone then closes, to show the chat)."""
    await show_panel(page, "Chats")
    await page.locator("#conversation-list").get_by_role("button", name=title, exact=True).click()
    await expect(page.locator("#chat-title")).to_have_text(title)
    await expect(page.locator("#chats.open")).to_have_count(0)  # the chat is not covered
