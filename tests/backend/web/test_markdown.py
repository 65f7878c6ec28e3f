"""The page's Markdown subset (backend/web/static/js/markdown.js), run in the browser on the
page itself: the markup it builds, and text that must stay text."""

from playwright.async_api import Page

from tests.backend.web.browser import Watched

RENDER = """async (text) => {
  const { renderMarkdown } = await import("/static/js/markdown.js");
  const box = document.createElement("div");
  box.append(renderMarkdown(text));
  return box.innerHTML;
}"""


async def rendered(page: Page, text: str) -> str:
    html: str = await page.evaluate(RENDER, text)
    return html


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
    ("## Title", '<p class="heading"><strong>Title</strong></p>'),
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
