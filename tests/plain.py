"""What "words a person understands" rules out (issue 21, point 8), checked on a sentence a
person sees: no URL or request line, no field name or identifier in snake_case, no dotted
field path, no code in backticks, no JSON, no header or library name."""

import re

_UNPLAIN = {
    "a URL": re.compile(r"https?://|/api/|\.\.\./"),
    "a request line": re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE) /"),
    "an identifier": re.compile(r"\b[a-z]+_[a-z_]+\b"),
    "a field path": re.compile(r"\b[a-z]+\.[a-z]+\b"),
    "code in backticks": re.compile(r"`"),
    "JSON": re.compile(r"[{}]"),
    "a header or library name": re.compile(
        r"Retry-After|Last-Event-ID|Idempotency-Key|Redis|IANA|ChatKit|pydantic|String should"
    ),
}


def assert_plain(sentence: str) -> None:
    assert sentence.strip(), "an empty sentence"
    for what, pattern in _UNPLAIN.items():
        assert pattern.search(sentence) is None, f"{what} in {sentence!r}"
