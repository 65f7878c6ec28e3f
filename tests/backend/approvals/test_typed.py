"""Which typed messages decide waiting calls (docs/api.md §19): only a bare yes or no."""

import pytest

from backend.approvals.typed import reply_kind


@pytest.mark.parametrize(
    "message", ["yes", "Y", "OK!", "sure.", "Confirm", "do it", "Go ahead!!", "  yes  ", "YES?"]
)
def test_a_bare_confirmation_approves(message: str) -> None:
    assert reply_kind(message) == "approve"


@pytest.mark.parametrize(
    "message", ["no", "N.", "Cancel", "don't", "Don\u2019t!", "keep it", "NO!"]
)
def test_a_bare_refusal_declines(message: str) -> None:
    assert reply_kind(message) == "decline"


@pytest.mark.parametrize(
    "message",
    ["yes please delete all", "no, delete task 2", "ok then add milk", "nope", "yess", "", "..."],
)
def test_anything_else_is_neither(message: str) -> None:
    assert reply_kind(message) is None
