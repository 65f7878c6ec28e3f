"""axe-core, run on the page as it is: every rule axe runs by default (WCAG A and AA and its
best practices), so a test asserts no violation at all, not only no serious one. The script
comes from the `axe-playwright-python` package (axe.min.js inside it, nothing fetched)."""

from functools import cache
from importlib.resources import files
from typing import Any

from playwright.async_api import Page

RUN = "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"


@cache
def axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


async def violations(page: Page) -> list[str]:
    """What axe finds on the page now, one line a rule: its id, impact and the nodes."""
    # Evaluated by the test, not loaded by the page, so the page's CSP stays as it is.
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.evaluate(axe_source())
    found: list[dict[str, Any]] = await page.evaluate(RUN)
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']}: "
        + "; ".join(str(node["target"]) for node in rule["nodes"][:5])
        for rule in found
    ]
