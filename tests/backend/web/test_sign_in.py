"""Signing in with a bearer token where the server verifies tokens itself (no dev sign-in):
pasted, or handed over as `#token=` by another app; a token the server refuses returns the
page to sign-in with a reason."""

from playwright.async_api import expect

from tests.backend.web.browser import Watched
from tests.tokens import TokenFactory


async def test_a_token_in_the_address_signs_in_and_leaves_the_address(
    secured_page: Watched, make_token: TokenFactory
) -> None:
    page = secured_page.page
    await page.goto(f"{secured_page.origin}/#token={make_token('carol')}")
    await expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    await expect(page.locator("#who")).to_have_text("carol")
    assert "token" not in page.url
    await page.reload()  # kept while the token is valid
    await expect(page.locator("#who")).to_have_text("carol")


async def test_without_dev_mode_the_page_asks_for_a_token_and_takes_a_pasted_one(
    secured_page: Watched, make_token: TokenFactory
) -> None:
    page = secured_page.page
    await page.goto(secured_page.origin + "/")
    await expect(page.get_by_label("Bearer token")).to_be_visible()
    await expect(page.get_by_label("Your name")).to_be_hidden()
    await page.get_by_label("Bearer token").fill(f"Bearer {make_token('dave')}")
    await page.get_by_role("button", name="Use token").click()
    await expect(page.locator("#who")).to_have_text("dave")


async def test_a_refused_token_returns_to_sign_in_with_a_reason(
    secured_page: Watched, make_token: TokenFactory
) -> None:
    page = secured_page.page
    forged = make_token("erin", secret="not-the-server-secret-but-long-enough-0123456789")
    await page.goto(f"{secured_page.origin}/#token={forged}")
    await expect(page.get_by_role("alert")).to_contain_text("sign in again")
    await expect(page.get_by_label("Bearer token")).to_be_visible()
    await expect(page.get_by_role("textbox", name="Message")).to_be_hidden()


async def test_a_token_link_for_another_account_asks_before_switching(
    secured_page: Watched, make_token: TokenFactory
) -> None:
    """A #token= link silently switched a signed-in tab to the sender's account."""
    page = secured_page.page
    await page.goto(f"{secured_page.origin}/#token={make_token('victim')}")
    await expect(page.locator("#who")).to_have_text("victim")
    # Declined (the watched page dismisses a dialog it was not told to expect).
    await page.goto("about:blank")
    await page.goto(f"{secured_page.origin}/#token={make_token('attacker')}")
    await expect(page.locator("#who")).to_have_text("victim")
    asked = secured_page.dialogs.pop()
    assert '"attacker"' in asked
    assert '"victim"' in asked
    assert "token" not in page.url
    # Accepted.
    secured_page.expected_dialogs = 1
    await page.goto("about:blank")
    await page.goto(f"{secured_page.origin}/#token={make_token('carol')}")
    await expect(page.locator("#who")).to_have_text("carol")
    assert secured_page.expected_dialogs == 0


async def test_dev_sign_in_asks_for_the_servers_code_and_remembers_it(
    page: Watched, dev_code: str
) -> None:
    """Issue 23 finding 9: a name alone no longer signs in; the code printed in the server's
    terminal proves the person is at the machine (not behind a same-host proxy)."""
    tab = page.page
    await tab.goto(page.origin + "/")
    await tab.get_by_label("Your name").fill("alice")
    await tab.get_by_label("Sign-in code").fill("AAAA-BBBB-CCCC-DDDD")
    await tab.get_by_role("button", name="Sign in").click()
    await expect(tab.locator("#signin-notice")).to_contain_text("server's terminal")
    await expect(tab.get_by_role("textbox", name="Message")).to_be_hidden()
    await tab.get_by_label("Sign-in code").fill(dev_code.lower())
    await tab.get_by_role("button", name="Sign in").click()
    await expect(tab.locator("#who")).to_have_text("alice")
    await tab.get_by_role("button", name="Sign out").click()
    await expect(tab.get_by_label("Sign-in code")).to_have_value(dev_code.lower())
