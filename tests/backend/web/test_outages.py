"""Every outage once, as a person sees it, with the page open mid-answer: what the page says
within 2 s, that the person's message is kept (stored once, shown once), that nothing is
stored twice, and that the page recovers without a reload once the fault ends. The server
restarts are in test_outages_restart.py; docs/web.md "Faults, as a person sees them" has the
table of all of them."""

import asyncio
from pathlib import Path

from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db.engine import create_engine
from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.web.browser import watched_page
from tests.backend.web.outages import (
    ANSWER_MS,
    SHOWN_WITHIN_MS,
    asked_once,
    mid_answer,
    next_message_answered,
    slow_model,
    stored,
)
from tests.backend.web.pages import answers, send, sign_in
from tests.databases import restartable_postgres
from tests.fakes.openai_server import create_fake_openai_app, running_server
from tests.polling import eventually
from tests.processes import answers as answers_200
from tests.providers import provider_settings
from tests.redis_server import RestartableRedis

MODEL_TIMEOUT = 1.5  # CHAT_MODEL_TIMEOUT for the model that stops answering


async def test_a_model_that_slows_then_stops_answering_fails_the_answer_with_retry(
    browser: Browser, dev_settings: Settings, db_engine: AsyncEngine
) -> None:
    config = slow_model(stall_after_frames=20)
    async with running_server(create_fake_openai_app(config)) as model_url:
        settings = provider_settings(
            dev_settings,
            "chat_completions",
            openai_base_url=model_url,
            chat_model_timeout=MODEL_TIMEOUT,
        )
        async with serving(create_app(settings)) as url, watched_page(browser, url) as watched:
            page = await sign_in(watched)
            answer = await mid_answer(page)
            await config.wait_for(lambda c: c.stalled_streams == 1)
            note = answer.locator(".note")
            await expect(note).to_contain_text(
                "The AI model took too long to answer.",
                timeout=MODEL_TIMEOUT * 1000 + SHOWN_WITHIN_MS,
            )
            await expect(answer).to_have_class("message assistant failed")
            # Read once the answer ended: every delta before the error is drawn by then.
            shown_so_far = await answer.locator(".body").inner_text()
            await expect(page.get_by_role("button", name="Stop")).to_be_hidden()
            [(_, asked, _s), (role, kept, status)] = await stored(db_engine)
            assert (asked, role, status) == ("hello", "assistant", "failed")
            assert kept.split() == shown_so_far.split() != []
            await asked_once(page, db_engine, "hello")

            config.stall_after_frames = None
            await answer.get_by_role("button", name="Retry").click()
            await expect(answers(page)).to_have_count(1)
            await expect(answers(page).first).to_have_class("message assistant", timeout=ANSWER_MS)
            assert [(r, s) for r, _c, s in await stored(db_engine)] == [
                ("user", None),
                ("assistant", "completed"),
            ]
            await asked_once(page, db_engine, "hello")
            await next_message_answered(page, db_engine, 2)


async def test_postgresql_down_mid_answer_then_back(
    browser: Browser, dev_settings: Settings, tmp_path: Path
) -> None:
    """The model goes on writing; the answer cannot be stored, and says so when it ends. Once
    PostgreSQL is back the run stores what it had (failed, with why) and the conversation
    takes messages again."""
    config = slow_model()
    async with (
        restartable_postgres() as database,
        running_server(create_fake_openai_app(config)) as model_url,
    ):
        # On the suite's broker: in memory, or CI's Redis (then under this app's own keys).
        own = Settings(
            _env_file=None,
            database_url=database.url,
            data_dir=tmp_path,
            redis_url=dev_settings.redis_url,
            redis_key_prefix=dev_settings.redis_key_prefix,
        )
        settings = provider_settings(own, "chat_completions", openai_base_url=model_url)
        engine = create_engine(database.url)
        try:
            async with serving(create_app(settings)) as url, watched_page(browser, url) as watched:
                page = await sign_in(watched)
                answer = await mid_answer(page)
                await asyncio.to_thread(database.stop)
                await config.wait_for(lambda c: c.completed_streams == 1, ANSWER_MS / 1000)
                await expect(answer.locator(".note")).to_have_text(
                    "The database is unavailable right now; please retry shortly. Retry",
                    timeout=SHOWN_WITHIN_MS,
                )
                shown = await answer.locator(".body").inner_text()
                await asyncio.to_thread(database.start)

                async def kept() -> bool:
                    return len(await stored(engine)) == 2

                await eventually(kept, 5.0, "the answer stored once the database is back")
                [(_, asked, _s), (role, content, status)] = await stored(engine)
                assert (asked, role, status) == ("hello", "assistant", "failed")
                assert content.split() == shown.split()
                await asked_once(page, engine, "hello")
                await next_message_answered(page, engine, 2)
                await asked_once(page, engine, "hello")
        finally:
            await engine.dispose()


async def test_redis_down_mid_answer_then_back(
    browser: Browser,
    dev_settings: Settings,
    db_engine: AsyncEngine,
    private_redis: RestartableRedis,
) -> None:
    """The answer's events stop reaching the page while Redis is away, but PostgreSQL stores
    the whole answer: when it ends the page draws it from there. A message sent meanwhile is
    refused with a sentence and stays in the box; once Redis is back the next one is answered."""
    redis = private_redis
    config = slow_model()
    async with running_server(create_fake_openai_app(config)) as model_url:
        settings = provider_settings(
            dev_settings, "chat_completions", openai_base_url=model_url, redis_url=redis.url
        )
        async with serving(create_app(settings)) as url, watched_page(browser, url) as watched:
            page = await sign_in(watched)
            await mid_answer(page)
            await redis.stop()
            await config.wait_for(lambda c: c.completed_streams == 1, ANSWER_MS / 1000)
            answer = answers(page).first
            await expect(answer).to_have_class("message assistant", timeout=SHOWN_WITHIN_MS)
            [(_, asked, _s), (role, content, status)] = await stored(db_engine)
            assert (asked, role, status) == ("hello", "assistant", "completed")
            assert (await answer.locator(".body").inner_text()).split() == content.split()
            await expect(answer.locator(".note")).to_be_hidden()

            await send(page, "still there?")
            await expect(page.locator("#chat-notice")).to_have_text(
                "Part of the server is unavailable right now; please retry shortly.",
                timeout=SHOWN_WITHIN_MS,
            )
            box = page.get_by_role("textbox", name="Message")
            await expect(box).to_have_value("still there?")
            await asked_once(page, db_engine, "hello")
            assert len(await stored(db_engine)) == 2

            await redis.start()
            await eventually(lambda: answers_200(f"{url}/readyz"), 10.0, "ready again")
            await next_message_answered(page, db_engine, 2)
            await asked_once(page, db_engine, "hello")
