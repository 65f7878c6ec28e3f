"""Words a person understands: the API's 422 issues are shown as plain sentences, with no
field names or library wording (the REST body keeps them for programs), in the editor by the
fields it is about, on a desktop and on a phone (where the task panel is behind the Tasks
toggle)."""

from playwright.async_api import Browser, expect

from tests.backend.web.browser import VIEWPORTS, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import show_panel, sign_in

PLAIN = """async (issues) => (await import("/static/js/plain.js")).plainIssues(issues)"""
SENTENCE = """async (text) => (await import("/static/js/plain.js")).plainSentence(text)"""


@VIEWPORTS
async def test_validation_errors_read_as_plain_sentences(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    headers = await site.as_user("alice")
    # The task edited is the last of a list longer than a phone's screen.
    for title in [f"Errand {number}" for number in range(1, 12)] + ["Plan trip"]:
        created = await site.http.post("/api/alice/tasks", json={"title": title}, headers=headers)
        assert created.status_code == 201
    async with watched_page(browser, site.url, viewport) as watched:
        page = await sign_in(watched)
        await show_panel(page, "Tasks")
        await page.get_by_role("button", name="Edit task 12 “Plan trip”").click()
        item = page.locator("#task-list li.editing")
        await item.get_by_label("Repeats").select_option("weekly")
        await item.get_by_role("button", name="Save").click()
        # Said in the editor, by the fields, where the person is looking.
        await expect(item.get_by_role("alert")).to_have_text("A repeating task needs a due date.")
        await expect(item.get_by_role("alert")).to_be_in_viewport()
        await expect(page.locator("body")).not_to_contain_text("due_at")
        await item.get_by_label("Repeats").press("Escape")  # cancels the edit, not the panel
        await expect(page.locator("#task-list li.editing")).to_have_count(0)
        await expect(page.locator("#tasks")).to_be_visible()

        # What the server answers to a message one character too long, as the page says it.
        refused = await site.http.post(
            "/api/alice/chat", json={"message": "x" * 4001}, headers=headers
        )
        assert refused.status_code == 422
        words = await page.evaluate(PLAIN, refused.json()["detail"])
        assert words == "The message is too long (at most 4000 characters)."
        busy = (
            "Deleting is refused while it answers: stop it first (POST .../conversations/1/stop)."
        )
        assert await page.evaluate(SENTENCE, busy) == (
            "Deleting is refused while it answers: stop it first."
        )
