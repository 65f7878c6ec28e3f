"""Which listed tasks a person's words mean: "the rent one", "all the shopping tasks".

Words are compared by a crude stem ("paying" ~ "pay", "shopping" ~ "shopping"), so a task is
found by the words people use for it rather than by its exact title.
"""

from __future__ import annotations

from typing import Any

from agent.models import linear

_WORD = linear.compile(r"[\pL\pN_']+")
_FILLER = frozenset("the a an my to of for about task tasks one on in at with and".split())


def matching_title(
    tasks: list[dict[str, Any]], query: str, *, exact_search: bool
) -> list[dict[str, Any]]:
    """The tasks a name means: an exact title if one; else every task the search returned
    (`exact_search`: the tool already matched the words as written), else by stems."""
    exact = [task for task in tasks if str(task.get("title", "")).casefold() == query.casefold()]
    if len(exact) == 1:
        return exact
    if exact_search:
        return tasks
    wanted = _stems(query) - _FILLER
    return [task for task in tasks if wanted and wanted <= _stems(str(task.get("title", "")))]


def matching_set(tasks: list[dict[str, Any]], words: tuple[str, ...]) -> list[dict[str, Any]]:
    """The tasks whose title or tags hold every word ("shopping" in "all the shopping tasks")."""
    wanted = {_stem(word) for word in words} - _FILLER
    return [task for task in tasks if wanted <= _task_stems(task)]


def _task_stems(task: dict[str, Any]) -> set[str]:
    tags = task.get("tags")
    labels = [str(tag) for tag in tags] if isinstance(tags, list) else []
    return _stems(str(task.get("title", ""))) | {_stem(tag) for tag in labels}


def _stems(text: str) -> set[str]:
    return {_stem(word) for word in _WORD.findall(text)}


def _stem(word: str) -> str:
    word = word.casefold().removesuffix("'s")
    for suffix, keep in (("ing", 3), ("ed", 3), ("es", 3), ("s", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word
