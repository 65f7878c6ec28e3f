"""A delete waiting for the person on the chat page: the question with Approve and Cancel,
named for what they do and reachable from the keyboard; still there after a reload; Cancel
keeps the task, Approve deletes it."""

from playwright.async_api import expect

from tests.backend.web.browser import Watched
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answers, send, sign_in

APPROVE = "Approve: Delete task 1 “Buy milk”"
CANCEL = "Cancel: do not delete task 1 “Buy milk”"


async def test_a_delete_waits_for_approve_or_cancel(page: Watched, site: Site) -> None:
    headers = await site.as_user("alice")
    created = await site.http.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
    assert created.status_code == 201
    browser_page = await sign_in(page)

    await send(browser_page, "Delete task 1")
    question = browser_page.get_by_role("group", name="Delete task 1 “Buy milk”?")
    await expect(question).to_be_visible()
    # A reload draws the waiting question again (from the conversation's pending approvals).
    await browser_page.reload()
    cancel = browser_page.get_by_role("button", name=CANCEL)
    await expect(cancel).to_be_visible()
    await cancel.focus()
    await browser_page.keyboard.press("Enter")
    await expect(answers(browser_page).last).to_contain_text("OK, I kept it.")
    assert (await site.http.get("/api/alice/tasks/1", headers=headers)).status_code == 200

    await expect(browser_page.get_by_role("button", name=CANCEL)).to_have_count(0)
    await send(browser_page, "Delete task 1")
    approve = browser_page.get_by_role("button", name=APPROVE)
    await expect(approve).to_be_visible()
    await approve.focus()
    await browser_page.keyboard.press("Enter")
    await expect(answers(browser_page).last).to_contain_text("Deleted task 1")
    assert (await site.http.get("/api/alice/tasks/1", headers=headers)).status_code == 404
