"""Words a person understands: the API's 422 issues are shown as plain sentences, with no
field names or library wording (the REST body keeps them for programs)."""

from playwright.async_api import expect

from tests.backend.web.browser import Watched
from tests.backend.web.conftest import Site
from tests.backend.web.pages import sign_in

PLAIN = """async (issues) => (await import("/static/js/plain.js")).plainIssues(issues)"""
SENTENCE = """async (text) => (await import("/static/js/plain.js")).plainSentence(text)"""


async def test_validation_errors_read_as_plain_sentences(page: Watched, site: Site) -> None:
    headers = await site.as_user("alice")
    await site.http.post("/api/alice/tasks", json={"title": "Plan trip"}, headers=headers)
    browser_page = await sign_in(page)
    await browser_page.get_by_role("button", name="Edit task 1 “Plan trip”").click()
    item = browser_page.locator("#task-list li.editing")
    await item.get_by_label("Repeats").select_option("weekly")
    await item.get_by_role("button", name="Save").click()
    await expect(browser_page.get_by_text("A repeating task needs a due date.")).to_be_visible()
    await expect(browser_page.locator("body")).not_to_contain_text("due_at")

    # What the server answers to a message one character too long, as the page says it.
    refused = await site.http.post("/api/alice/chat", json={"message": "x" * 4001}, headers=headers)
    assert refused.status_code == 422
    said = await browser_page.evaluate(PLAIN, refused.json()["detail"])
    assert said == "The message is too long (at most 4000 characters)."
    busy = "Deleting is refused while it answers: stop it first (POST .../conversations/1/stop)."
    assert await browser_page.evaluate(SENTENCE, busy) == (
        "Deleting is refused while it answers: stop it first."
    )
    page.assert_clean()
