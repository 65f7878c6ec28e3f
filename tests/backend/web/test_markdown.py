"""The page's Markdown subset (backend/web/static/js/markdown.js), run in the browser on the
page itself: the markup it builds, and text that must stay text."""

from playwright.async_api import Browser, Page, expect

from tests.backend.web.browser import VIEWPORTS, Watched, watched_page
from tests.backend.web.conftest import Site
from tests.backend.web.pages import draw_answer, sign_in

RENDER = """async (text) => {
  const { renderMarkdown } = await import("/static/js/markdown.js");
  const box = document.createElement("div");
  box.append(renderMarkdown(text));
  return box.innerHTML;
}"""


async def rendered(page: Page, text: str) -> str:
    html: str = await page.evaluate(RENDER, text)
    return html


ANSWER = """# This week
## Due
| # | Task |
|---|---|
| 3 | Buy milk and a very long list of other things that will not fit a phone's width at all |
## Done
> Keep it short.

```python
print("done")
```
"""
CASES = [
    ("Hello **you**", "<p>Hello <strong>you</strong></p>"),
    ("*a* _b_ `c <d>`", "<p><em>a</em> <em>b</em> <code>c &lt;d&gt;</code></p>"),
    ("line one\nline two\n\nnext", "<p>line one<br>line two</p><p>next</p>"),
    ("- a\n- **b**", "<ul><li>a</li><li><strong>b</strong></li></ul>"),
    ("3. Buy milk\n7. Walk", '<ol><li value="3">Buy milk</li><li value="7">Walk</li></ol>'),
    (
        "```\n<b>x</b>\n```",
        '<div class="code-block"><div class="code-head"><span class="code-language">code</span>'
        "</div><pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre></div>",
    ),
    ("## Title", "<h3>Title</h3>"),
    ("### only **bold**\ntext", "<h3>only <strong>bold</strong></h3><p>text</p>"),
    ("# A\n### B\n# C", "<h3>A</h3><h4>B</h4><h3>C</h3>"),
    ("# a\n## b\n### c\n#### d\n##### e", "<h3>a</h3><h4>b</h4><h5>c</h5><h6>d</h6><h6>e</h6>"),
    (
        "```\n# not a heading\n```\n### Yes",
        '<div class="code-block"><div class="code-head"><span class="code-language">code</span>'
        "</div><pre><code># not a heading</code></pre></div><h3>Yes</h3>",
    ),
    ("# <script>x</script>", "<h3>&lt;script&gt;x&lt;/script&gt;</h3>"),
    # A wall time on the person's clock, in their locale (en-US here) as the panel writes it.
    (
        "due 2026-12-04 23:59, **2026-12-05 09:00**",
        '<p>due <time datetime="2026-12-04T23:59" title="2026-12-04 23:59">Fri, Dec 4, 11:59 PM'
        '</time>, <strong><time datetime="2026-12-05T09:00" title="2026-12-05 09:00">Sat, Dec 5,'
        " 9:00 AM</time></strong></p>",
    ),
    ("at 2026-12-04T23:59:59+01:00", "<p>at 2026-12-04T23:59:59+01:00</p>"),
    (
        "`2026-12-04 23:59` 2026-13-45 99:99",
        "<p><code>2026-12-04 23:59</code> 2026-13-45 99:99</p>",
    ),
    (
        "> said **this**\n> and that\nafter",
        "<blockquote><p>said <strong>this</strong><br>and that</p></blockquote><p>after</p>",
    ),
    (
        "| # | Task |\n|---|:---|\n| 3 | **Buy** milk |\n| 4 | <b>x</b> |",
        "<table><thead><tr><th>#</th><th>Task</th></tr></thead><tbody><tr><td>3</td><td>"
        "<strong>Buy</strong> milk</td></tr><tr><td>4</td><td>&lt;b&gt;x&lt;/b&gt;</td></tr>"
        "</tbody></table>",
    ),
    ("| not | a table |", "<p>| not | a table |</p>"),
    (
        "[docs](https://example.com/a?b=1)",
        '<p><a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow"'
        ' target="_blank">docs</a></p>',
    ),
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
    ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>"),
    ("[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>"),
    ("[x](/relative)", "<p>[x](/relative)</p>"),
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
    ("**unclosed", "<p>**unclosed</p>"),
    (
        "[mail](mailto:a@example.com)",
        '<p><a href="mailto:a@example.com" rel="noopener noreferrer nofollow"'
        ' target="_blank">mail</a></p>',
    ),
]


async def test_the_markdown_subset_builds_safe_markup(page: Watched) -> None:
    """One page for every case (serving the app per case costs a second each)."""
    await page.page.goto(page.origin + "/")
    results = {text: await rendered(page.page, text) for text, _ in CASES}
    assert results == dict(CASES)


RENDER_TIME = """async (text) => {
  const { renderMarkdown } = await import("/static/js/markdown.js");
  const started = performance.now();
  renderMarkdown(text);
  return performance.now() - started;
}"""


async def test_lines_of_unmatched_brackets_render_in_linear_time(page: Watched) -> None:
    """Every `[` used to scan to the end of its line for a `]`: 16,000 of them took 131 ms,
    32,000 four times that. Now each try stops at the next bracket."""
    await page.page.goto(page.origin + "/")
    for line in ("[" * 32_000, "[a](" * 8_000, "[a](b" * 6_400, "x[" * 16_000):
        elapsed: float = await page.page.evaluate(RENDER_TIME, line)
        assert elapsed < 100, (line[:8], elapsed)
    assert await rendered(page.page, "[[x](https://a.example/)") == (
        '<p>[<a href="https://a.example/" rel="noopener noreferrer nofollow"'
        ' target="_blank">x</a></p>'
    )


@VIEWPORTS
async def test_an_answer_reads_as_headings_a_table_a_quote_and_labelled_code(
    browser: Browser, site: Site, viewport: dict[str, int]
) -> None:
    async with watched_page(browser, site.url, viewport) as watched:
        page = await sign_in(watched)
        answer = await draw_answer(page, ANSWER)
        await expect(answer.get_by_role("heading", level=3)).to_have_text("This week")
        await expect(answer.get_by_role("heading", level=4)).to_have_text(["Due", "Done"])
        await expect(answer.get_by_role("table")).to_contain_text("Buy milk")
        await expect(answer.get_by_role("columnheader")).to_have_text(["#", "Task"])
        await expect(answer.locator("blockquote")).to_have_text("Keep it short.")
        await expect(answer.locator(".code-language")).to_have_text("python")
        await expect(answer.get_by_role("button", name="Copy python code")).to_be_visible()
        # Headings sit under the conversation's h2: levels 2, 3, 4 in order, none skipped.
        levels = await page.evaluate(
            "[...document.querySelectorAll('main.chat :is(h2,h3,h4,h5,h6)')]"
            ".map((h) => Number(h.tagName[1]))"
        )
        assert levels == [2, 3, 4, 4]
        assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
