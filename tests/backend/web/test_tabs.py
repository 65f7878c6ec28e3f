"""Signed in across tabs: a second tab of the same origin opens signed in (straight to the
conversation in its address) while the token is valid, signing out in one tab signs out every
tab, and a `#token=` link for another account still asks before switching."""

from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, Page, expect

from tests.backend.web.browser import VIEWPORTS, Watched, another_tab, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import answered, fill_sign_in, send, sign_in
from tests.tokens import TokenFactory


async def signed_in_as(page: Page, user: str) -> None:
    await expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    await expect(page.locator("#who")).to_have_text(user)


async def signed_out(page: Page) -> None:
    await expect(page.get_by_role("main")).to_contain_text("todo-chat")
    await expect(page.get_by_role("textbox", name="Message")).to_be_hidden()


@VIEWPORTS
async def test_a_second_tab_is_signed_in_and_signing_out_signs_out_both(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    async with watched_page(browser, site.url, viewport) as first:
        await sign_in(first)
        await send(first.page, "Add a task to buy milk")
        await answered(first.page, 1)
        assert first.page.url.endswith("#c=1")

        second = await another_tab(first)
        await second.page.goto(site.url + "/#c=1")
        await signed_in_as(second.page, "alice")  # asked nothing
        await expect(second.page.locator("#log article.user p.plain")).to_have_text(
            "Add a task to buy milk"
        )

        await second.page.get_by_role("button", name="Sign out").click()
        await signed_out(second.page)
        await signed_out(first.page)
        await expect(first.page.get_by_role("alert")).to_have_text("Signed out in another tab.")
        await first.page.reload()
        await signed_out(first.page)

        # Signing in again in one tab signs in the other.
        await fill_sign_in(first.page, "alice")
        await first.page.get_by_role("button", name="Sign in").click()
        await signed_in_as(second.page, "alice")
        second.assert_clean()


async def test_an_expired_token_is_not_shared(
    secured_page: Watched, make_token: TokenFactory
) -> None:
    first = secured_page.page
    await first.goto(f"{secured_page.origin}/#token={make_token('carol', ttl='1h')}")
    await signed_in_as(first, "carol")

    second = await another_tab(secured_page)
    await second.page.clock.install()
    await second.page.clock.set_system_time(datetime.now(UTC) + timedelta(hours=2))
    await second.page.goto(secured_page.origin + "/")
    await signed_out(second.page)
    await expect(second.page.get_by_label("Bearer token")).to_be_visible()
    second.assert_clean()


async def test_a_token_link_in_another_tab_asks_and_every_tab_follows_the_answer(
    secured_page: Watched, make_token: TokenFactory
) -> None:
    first = secured_page.page
    await first.goto(f"{secured_page.origin}/#token={make_token('victim')}")
    await signed_in_as(first, "victim")

    second = await another_tab(secured_page)
    await second.page.goto(f"{secured_page.origin}/#token={make_token('attacker')}")
    await signed_in_as(second.page, "victim")  # declined: nothing changed, in either tab
    assert second.dialogs.pop().startswith('This link signs this tab in as "attacker"')
    await signed_in_as(first, "victim")

    third = await another_tab(secured_page)
    third.expected_dialogs = 1
    await third.page.goto(f"{secured_page.origin}/#token={make_token('carol')}")
    await signed_in_as(third.page, "carol")
    assert third.expected_dialogs == 0
    await signed_in_as(first, "carol")  # the person said yes: one sign-in for every tab
    await signed_in_as(second.page, "carol")
    second.assert_clean()
    third.assert_clean()
