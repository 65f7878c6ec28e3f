"""The page's own server stopped mid-answer and started again on the same port: SIGTERM (a
deploy) and SIGKILL (a crash), one server, on the suite's broker: in memory as on a small
install, or Redis (CI's second pass)."""

import asyncio
import re
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.conversations.sse import SHUTDOWN_FAILURE
from backend.runs.viewer import RUN_LOST
from backend.settings import Settings
from tests.backend.web import pages
from tests.backend.web.browser import watched_page
from tests.backend.web.outages import (
    ANSWER_MS,
    BANNER_BACK,
    BANNER_LOST,
    SHOWN_WITHIN_MS,
    asked_once,
    mid_answer,
    next_message_answered,
    slow_model,
    stored,
)
from tests.backend.web.pages import answers, send, sign_in
from tests.fakes.openai_server import create_fake_openai_app, running_server
from tests.processes import Served, free_port, serve_env, todo_chat_serve
from tests.storms.support import report

Serve = Callable[[], AbstractAsyncContextManager[Served]]
NOT_SENT = (
    "Not sent: the server cannot be reached right now. Send it again once the connection is back."
)
SIGN_IN_CODE = re.compile(r"enter the sign-in code ([A-Z0-9-]+)")
# The page retries with waits that grow to 5 s (js/dom.js `backoff`).
BACK_WITHIN_MS = 7000
# A dead server's runs are taken over within about 10 s of its death (docs/runs.md).
TAKEN_OVER_WITHIN_MS = 15_000


@pytest.fixture
async def serve(
    database: str, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Serve]:
    """`async with serve()`: `todo-chat serve` in dev mode, always on the same port and data
    directory (the page's origin and its signed-in token outlive a restart), on the suite's
    broker (in memory, or CI's Redis)."""
    config = slow_model()
    port = free_port()
    async with running_server(create_fake_openai_app(config)) as model_url:
        env = serve_env(database, model_url, tmp_path / "data")
        del env["AUTH_SECRET"]  # dev mode: the page signs in by name
        if settings.redis_url is not None:
            env.update(REDIS_URL=settings.redis_url, REDIS_KEY_PREFIX=settings.redis_key_prefix)
        starts = iter(range(100))

        @asynccontextmanager
        async def start() -> AsyncIterator[Served]:
            log = tmp_path / f"serve-{next(starts)}.log"
            async with todo_chat_serve(env, cwd=tmp_path, log=log, port=port) as served:
                # The person types the sign-in code the server printed in its terminal.
                printed = SIGN_IN_CODE.search(await asyncio.to_thread(log.read_text))
                assert printed is not None, "no sign-in code in the server's log"
                monkeypatch.setattr(pages, "DEV_CODE", printed.group(1))
                yield served

        yield start


async def retried(page: Page, engine: AsyncEngine) -> None:
    """Retry on the failed answer answers the kept message again in its place."""
    await answers(page).first.get_by_role("button", name="Retry").click()
    await expect(answers(page).first).to_have_class("message assistant", timeout=ANSWER_MS)
    await expect(answers(page)).to_have_count(1)
    assert [(role, status) for role, _c, status in await stored(engine)] == [
        ("user", None),
        ("assistant", "completed"),
    ]
    await asked_once(page, engine, "hello")


async def refused_while_down(page: Page) -> None:
    await send(page, "anyone there?")
    await expect(page.locator("#chat-notice")).to_have_text(NOT_SENT, timeout=SHOWN_WITHIN_MS)
    await expect(page.get_by_role("textbox", name="Message")).to_have_value("anyone there?")


async def test_sigterm_mid_answer_then_a_restart_on_the_same_port(
    browser: Browser, serve: Serve, db_engine: AsyncEngine
) -> None:
    async with serve() as first, watched_page(browser, first.url) as watched:
        page = await sign_in(watched)
        answer = await mid_answer(page)
        first.process.send_signal(signal.SIGTERM)
        banner = page.locator("#connection")
        # The answer ends with the server's sentence; when that frame is lost in the shutdown
        # (it is, now and then, on a loaded machine) the banner says so first.
        told = answer.locator(".note").filter(has_text=SHUTDOWN_FAILURE.detail)
        await expect(told.or_(banner.filter(has_text=BANNER_LOST)).first).to_be_visible(
            timeout=SHOWN_WITHIN_MS
        )
        await first.process.wait()
        await expect(banner).to_have_text(BANNER_LOST, timeout=SHOWN_WITHIN_MS)
        await refused_while_down(page)
        [(_, asked, _s), (role, content, status)] = await stored(db_engine)
        assert (asked, role, status) == ("hello", "assistant", "stopped")
        # The run went on while the server stopped: it stored at least what the page shows.
        assert flat(content).startswith(flat(await answer.locator(".body").inner_text()))
        await asked_once(page, db_engine, "hello")

        async with serve():
            await expect(banner).to_have_text(BANNER_BACK, timeout=BACK_WITHIN_MS)
            await expect(page.locator("#chat-notice")).to_be_hidden()
            await expect(answer).not_to_have_class("message assistant writing")
            await next_message_answered(page, db_engine, 2)
            await asked_once(page, db_engine, "hello")
            assert [role for role, _c, _s in await stored(db_engine)] == ["user", "assistant"] * 2


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_sigkill_mid_answer_then_a_restart_on_the_same_port(
    browser: Browser, serve: Serve, db_engine: AsyncEngine, settings: Settings
) -> None:
    async with serve() as first, watched_page(browser, first.url) as watched:
        page = await sign_in(watched)
        answer = await mid_answer(page)
        await expect(answer.locator(".body")).not_to_have_text("")  # some text on screen
        shown = await answer.locator(".body").inner_text()
        first.process.kill()
        killed = time.monotonic()
        banner = page.locator("#connection")
        await expect(banner).to_have_text(BANNER_LOST, timeout=SHOWN_WITHIN_MS)
        await refused_while_down(page)
        await first.process.wait()
        assert await stored(db_engine) == [("user", "hello", None)]

        async with serve():
            await expect(banner).to_have_text(BANNER_BACK, timeout=BACK_WITHIN_MS)
            # The new server takes the dead one's run over (docs/runs.md "Server beats") and the
            # page shows what is kept: with no Redis the text so far died with the process; on
            # Redis it outlived it in the run's log.
            note = answers(page).first.locator(".note")
            await expect(note).to_contain_text(RUN_LOST.detail, timeout=TAKEN_OVER_WITHIN_MS)
            lost_after = time.monotonic() - killed
            report("the page's server killed and restarted", {"run_lost shown after s": lost_after})
            [(_, asked, _s), (role, kept, status)] = await stored(db_engine)
            assert (asked, role, status) == ("hello", "assistant", "failed")
            if settings.redis_url is None:
                assert kept == ""
            else:
                assert flat(shown) != ""
                assert flat(kept).startswith(flat(shown))
            body = answers(page).first.locator(".body")
            assert flat(await body.inner_text()) == flat(kept)
            await asked_once(page, db_engine, "hello")
            await retried(page, db_engine)
            await next_message_answered(page, db_engine, 2)
