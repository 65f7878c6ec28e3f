"""An answer whose start is no longer in the run's Redis log (trimmed past its bound, or
lost with a Redis restart), opened on a replica that does not own the run: the page says
the start can't be shown, follows the rest, and draws the whole stored answer when it ends
(issue 23 finding 3, as a person sees it)."""

import asyncio

import httpx
from playwright.async_api import Browser, expect
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.web import pages
from tests.backend.web.browser import watched_page
from tests.backend.web.outages import ANSWER_MS, stored
from tests.backend.web.pages import answers, sign_in
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app, running_server
from tests.polling import eventually
from tests.providers import provider_settings
from tests.sse import SSE

SKIPPED = "The start of this answer can't be shown here; all of it appears when it ends."
KEPT_FROM = 6  # the log keeps events from this one on


async def test_an_answer_missing_its_start_says_so_then_shows_all_of_it(
    browser: Browser, dev_settings: Settings, db_engine: AsyncEngine, redis_url: str
) -> None:
    config = FakeConfig(tokens_per_second=15, reply_words=120, chunk_size=4)
    async with running_server(create_fake_openai_app(config)) as model_url:
        settings = provider_settings(
            dev_settings, "chat_completions", openai_base_url=model_url, redis_url=redis_url
        )
        redis = Redis.from_url(redis_url)
        async with (
            serving(create_app(settings)) as owner_url,
            serving(create_app(settings)) as url,
            httpx.AsyncClient(base_url=owner_url) as owner,
            watched_page(browser, url) as watched,
        ):
            page = await sign_in(watched)
            minted = await owner.post(
                "/dev/token", json={"user_id": "alice", "code": pages.DEV_CODE}
            )
            headers = {**SSE, "Authorization": f"Bearer {minted.json()['token']}"}
            body = {"message": "hello", "conversation_id": None}

            async def ask() -> None:  # on the owner; the answer goes on when this leaves
                async with owner.stream("POST", "/api/alice/chat", json=body, headers=headers):
                    pass

            asking = asyncio.create_task(ask())

            async def logged() -> bytes | None:
                keys = [k async for k in redis.scan_iter(f"{settings.redis_key_prefix}run:*")]
                long_enough = [k for k in keys if await redis.xlen(k) > KEPT_FROM]
                return long_enough[0] if long_enough else None

            async def is_logged() -> bool:
                return await logged() is not None

            await eventually(is_logged, 10.0, "the run's log in Redis")
            key = await logged()
            assert key is not None
            await redis.xtrim(key, minid=f"0-{KEPT_FROM}", approximate=False)
            await asking

            await page.goto(f"{url}/#c=1")
            await page.reload()
            answer = answers(page).first
            await expect(answer.locator(".note")).to_have_text(SKIPPED)
            await expect(answer).to_have_class("message assistant", timeout=ANSWER_MS)
            [(_, asked, _s), (role, content, status)] = await stored(db_engine)
            assert (asked, role, status) == ("hello", "assistant", "completed")
            await expect(answer.locator(".note")).to_be_hidden()
            assert (await answer.locator(".body").inner_text()).split() == content.split()
            watched.assert_clean()
        await redis.aclose()
