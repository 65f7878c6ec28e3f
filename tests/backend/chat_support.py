"""Helpers for tests that drive chat turns from outside: a model step the test holds open, raw
header values."""

import asyncio

from agents.items import TResponseOutputItem
from agents.testing import ModelCall, ModelStep, assistant_message


class Gate:
    """A model step that waits, mid-turn, until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()

    def step(self, answer: str) -> ModelStep:
        async def respond(call: ModelCall) -> list[TResponseOutputItem]:
            self.entered.set()
            await self.opened.wait()
            return [assistant_message(answer)]

        return ModelStep.respond(respond)

    async def wait_entered(self, within: float = 10.0) -> None:
        async with asyncio.timeout(within):
            await self.entered.wait()


def with_raw_header(
    headers: dict[str, str], name: str, value: str | bytes
) -> list[tuple[bytes, bytes]]:
    """`headers` plus one whose value may be bytes a client put on the wire as they are."""
    raw = value if isinstance(value, bytes) else value.encode("latin-1")
    return [*((k.encode(), v.encode()) for k, v in headers.items()), (name.encode(), raw)]
