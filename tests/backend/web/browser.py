"""The browser side of the page tests: Debian's Chromium driven by Playwright (never
`playwright install`), and a page that records what a user could not see but must never
happen: a request to another origin, a dialog, an uncaught error, a blocked script."""

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, ConsoleMessage, Dialog, Page, Playwright, Request

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
# A browser test of something a person does, run at both sizes (issue 21: desktop and phone).
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )


@dataclass
class Watched:
    """A page and what it did that a test asserts never happens."""

    page: Page
    origin: str
    foreign_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign_requests.append(request.url)

    expected_dialogs: int = 0  # confirm() the page asks on purpose, accepted

    async def on_dialog(self, dialog: Dialog) -> None:
        if dialog.type == "confirm" and self.expected_dialogs > 0:
            self.expected_dialogs -= 1
            await dialog.accept()
            return
        self.dialogs.append(dialog.message)
        await dialog.dismiss()

    def on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.errors.append(message.text)

    def assert_clean(self) -> None:
        assert self.foreign_requests == [], "the page reached outside its origin"
        assert self.dialogs == [], "something opened a dialog"
        assert self.errors == [], "the page broke or was blocked"


@asynccontextmanager
async def watched_page(
    browser: Browser, origin: str, viewport: dict[str, int] = DESKTOP, **options: Any
) -> AsyncIterator[Watched]:
    """A fresh browser context (its own storage; `options` such as `timezone_id` or
    `permissions` go to it) with one watched page; on the way out it must have stayed on its
    origin, with no uncaught error and no CSP violation."""
    context = await browser.new_context(viewport=viewport, **options)  # type: ignore[arg-type]
    watched = await watch(await context.new_page(), origin)
    try:
        yield watched
        watched.assert_clean()
    finally:
        await context.close()


async def watch(page: Page, origin: str) -> Watched:
    """Record what `page` does that a test asserts never happens (assert_clean to check)."""
    watched = Watched(page, origin)
    page.on("request", watched.on_request)
    page.on("dialog", watched.on_dialog)
    page.on("console", watched.on_console)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    return watched


async def another_tab(watched: Watched) -> Watched:
    """A second tab of the same browser context: same origin, same localStorage."""
    return await watch(await watched.page.context.new_page(), watched.origin)


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    return path
