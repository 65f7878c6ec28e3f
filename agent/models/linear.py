"""Regular expressions that run in time linear in their input, whatever the input: RE2
(google-re2), which never backtracks. The offline model reads what anyone may send (up to
4,000 characters), and a backtracking pattern can be made to take seconds of a shared CPU.

RE2 has no lookaround and no backreferences, and its `\\s`, `\\w` and `\\b` are ASCII:
the model collapses every Unicode space to " " before matching, and uses `\\pL` for letters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, cast

import re2  # type: ignore[import-untyped]


class Match(Protocol):
    def group(self, group: int | str = 0, /) -> str | Any: ...
    def start(self, group: int | str = 0, /) -> int: ...
    def end(self, group: int | str = 0, /) -> int: ...


class Pattern(Protocol):
    def match(self, text: str) -> Match | None: ...
    def search(self, text: str) -> Match | None: ...
    def fullmatch(self, text: str) -> Match | None: ...
    def sub(self, repl: str | Callable[[Match], str], text: str, count: int = 0) -> str: ...
    def findall(self, text: str) -> list[Any]: ...
    def split(self, text: str) -> list[str]: ...


def compile(pattern: str, *, ignore_case: bool = False) -> Pattern:
    return cast(Pattern, re2.compile(("(?i)" if ignore_case else "") + pattern))
