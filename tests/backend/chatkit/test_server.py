"""How a ChatKit message's parts become the text the model reads: tags are words of their
own, spaced as the composer shows them; text parts join as they are."""

import pytest
from chatkit.types import UserMessageContent, UserMessageTextContent

from backend.chatkit.server import readable_text
from tests.backend.chatkit.client import tag


def text(value: str) -> UserMessageTextContent:
    return UserMessageTextContent(text=value)


@pytest.mark.parametrize(
    ("parts", "reads"),
    [
        ([text("add a task to call"), tag("Mom")], "add a task to call Mom"),
        ([text("add a task to call "), tag("Mom")], "add a task to call Mom"),
        ([tag("Mom"), text("needs a call")], "Mom needs a call"),
        ([text("call"), tag("Mom"), text(", then"), tag("Dad")], "call Mom, then Dad"),
        ([text("call"), tag("Mom"), text("!")], "call Mom!"),
        ([text("label it ("), tag("home"), text(")")], "label it (home)"),
        ([tag("Mom"), tag("Dad")], "Mom Dad"),
        ([text("buy mi"), text("lk")], "buy milk"),
        ([tag("Mom")], "Mom"),
    ],
)
def test_tags_are_spaced_as_the_composer_shows_them(
    parts: list[UserMessageContent], reads: str
) -> None:
    assert readable_text(parts) == reads
