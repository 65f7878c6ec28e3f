"""For everyone: named controls, keyboard use that keeps its place, light and dark, and no
animation for people who asked for less motion."""

from playwright.async_api import expect

from tests.backend.web.browser import Watched
from tests.backend.web.conftest import Site
from tests.backend.web.pages import sign_in, task_item

BACKGROUND = "getComputedStyle(document.body).backgroundColor"
# The pulsing mark on a conversation still answering, drawn for a moment to read its style.
RUNNING_MARK_ANIMATION = """(() => {
  const mark = document.createElement("span");
  mark.className = "running";
  document.body.append(mark);
  const name = getComputedStyle(mark).animationName;
  mark.remove();
  return name;
})()"""


async def test_tasks_can_be_added_toggled_and_edited_from_the_keyboard(
    page: Watched, site: Site
) -> None:
    browser_page = await sign_in(page)
    await browser_page.get_by_role("textbox", name="New task").fill("Buy milk")
    await browser_page.keyboard.press("Enter")
    await browser_page.get_by_role("button", name="All").click()
    done = browser_page.get_by_role("checkbox", name="Buy milk")
    await done.focus()
    await browser_page.keyboard.press("Space")
    await expect(done).to_be_checked()
    await expect(done).to_be_focused()  # the redraw kept the person's place

    await browser_page.get_by_role("button", name="Edit task 1 “Buy milk”").press("Enter")
    title = browser_page.get_by_role("textbox", name="Title of task 1")
    await expect(title).to_be_focused()
    await title.fill("Buy oat milk")
    await title.press("Enter")
    await expect(task_item(browser_page, "Buy oat milk")).to_be_visible()
    await expect(
        browser_page.get_by_role("button", name="Edit task 1 “Buy oat milk”")
    ).to_be_focused()
    response = await site.http.get("/api/alice/tasks/1", headers=await site.as_user("alice"))
    assert response.json()["title"] == "Buy oat milk"
    assert response.json()["completed"] is True


async def test_the_page_follows_the_colour_scheme_and_reduced_motion(page: Watched) -> None:
    browser_page = await sign_in(page)
    await browser_page.emulate_media(color_scheme="light")
    light = await browser_page.evaluate(BACKGROUND)
    await browser_page.emulate_media(color_scheme="dark")
    assert await browser_page.evaluate(BACKGROUND) != light

    await browser_page.emulate_media(reduced_motion="no-preference")
    assert await browser_page.evaluate(RUNNING_MARK_ANIMATION) == "pulse"
    await browser_page.emulate_media(reduced_motion="reduce")
    assert await browser_page.evaluate(RUNNING_MARK_ANIMATION) == "none"


async def test_a_change_arriving_while_editing_keeps_the_persons_place(
    page: Watched, site: Site
) -> None:
    browser_page = await sign_in(page)
    await browser_page.get_by_role("textbox", name="New task").fill("Buy milk")
    await browser_page.keyboard.press("Enter")
    await browser_page.get_by_role("button", name="Edit task 1 “Buy milk”").press("Enter")
    title = browser_page.get_by_role("textbox", name="Title of task 1")
    await expect(title).to_be_focused()
    await title.press("End")
    await title.press_sequentially(" and eggs")

    headers = await site.as_user("alice")
    created = await site.http.post("/api/alice/tasks", json={"title": "Call mom"}, headers=headers)
    assert created.status_code == 201
    await expect(task_item(browser_page, "Call mom")).to_be_visible()  # redrawn from the feed

    await expect(title).to_be_focused()
    await title.press_sequentially(" too")
    await expect(title).to_have_value("Buy milk and eggs too")
