"""The page under a real uvicorn on loopback, in dev mode (sign-in by name) with the offline
model, and a Chromium to look at it. Without a Chromium the browser tests are skipped with
that reason, loudly: CI installs one (.ci/run), so there they always run."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from backend.main import create_app
from backend.settings import Settings
from backend.web.dev_code import dev_sign_in_code
from tests.apps import serving
from tests.backend.web import pages
from tests.backend.web.browser import PHONE, Watched, chromium_path, launch, watched_page

NO_CHROMIUM = (
    "NO CHROMIUM INSTALLED: the chat page's browser tests did not run "
    "(apt-get install -y chromium; .ci/run does this)"
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if chromium_path() is None:
        terminalreporter.write_line(NO_CHROMIUM, red=True, bold=True)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if chromium_path() is None:
        pytest.skip(NO_CHROMIUM)
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        yield browser
        await browser.close()


@dataclass
class Site:
    """The app served on loopback, and a REST client on it for what happens elsewhere."""

    url: str
    http: httpx.AsyncClient

    async def token(self, user: str) -> str:
        body = {"user_id": user, "code": pages.DEV_CODE}
        response = await self.http.post("/dev/token", json=body)
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token

    async def as_user(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(user)}"}


@pytest.fixture
def dev_settings(settings: Settings) -> Settings:
    """Dev mode: no AUTH_SECRET and no JWKS (the dev secret lives in the test's data dir)."""
    return settings.model_copy(update={"auth_secret": None})


@pytest.fixture(autouse=True)
def dev_code(dev_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """The sign-in code every dev-mode app of this test prints (one data dir per test)."""
    code = dev_sign_in_code(dev_settings)
    monkeypatch.setattr(pages, "DEV_CODE", code)
    return code


@pytest.fixture
async def site(dev_settings: Settings) -> AsyncIterator[Site]:
    async with serving(create_app(dev_settings)) as url, httpx.AsyncClient(base_url=url) as http:
        yield Site(url, http)


@pytest.fixture
async def page(browser: Browser, site: Site) -> AsyncIterator[Watched]:
    async with watched_page(browser, site.url) as watched:
        yield watched


@pytest.fixture
async def secured_page(browser: Browser, settings: Settings) -> AsyncIterator[Watched]:
    """The page of an app with AUTH_SECRET set (no dev sign-in)."""
    async with serving(create_app(settings)) as url, watched_page(browser, url) as watched:
        yield watched


@pytest.fixture
async def browser_page_phone(browser: Browser, site: Site) -> AsyncIterator[Watched]:
    async with watched_page(browser, site.url, PHONE) as watched:
        yield watched
