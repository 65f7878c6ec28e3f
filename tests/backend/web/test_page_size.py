"""What a cold load of the page costs on the wire, as Chromium counts it: the bodies of every
response it fetched (gzipped where the server compressed them), which docs/web.md states. The
bound keeps that statement true: a change that grows the page past it must say so there."""

from playwright.async_api import Request, expect

from backend.web.router import STATIC_DIR
from tests.backend.web.browser import Watched

BUDGET_BYTES = 45_000  # docs/web.md "Size": about 41 KB now


async def test_a_cold_load_moves_every_file_once_gzipped_within_the_stated_size(
    page: Watched,
) -> None:
    fetched: list[Request] = []
    page.page.on("requestfinished", lambda request: fetched.append(request))
    await page.page.goto(page.origin + "/")
    await expect(page.page.get_by_label("Your name")).to_be_visible()
    files = [r for r in fetched if r.url == page.origin + "/" or "/static/" in r.url]
    paths = sorted(r.url.removeprefix(page.origin) for r in files)
    written = ["/", "/static/app.css"] + [
        f"/static/js/{module.name}" for module in STATIC_DIR.joinpath("js").glob("*.js")
    ]
    assert paths == sorted(written)  # every module once, nothing else
    on_wire = sum([(await r.sizes())["responseBodySize"] for r in files])
    assert on_wire <= BUDGET_BYTES, f"{on_wire} bytes on the wire: update docs/web.md"
