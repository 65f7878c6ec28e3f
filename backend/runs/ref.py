"""Naming one run: whose, in which conversation, and where its shared state lives."""

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunRef:
    owner: str
    conversation: int
    run: uuid.UUID

    @property
    def key(self) -> str:
        """The broker key of the run's event log and stop signal.

        It names the owner and the conversation too, so a run id taken from one conversation
        (or one user) names nothing in another: attach needs no further ownership check.
        The run's hex and the number contain no "/", so the owner may contain anything.
        """
        return f"{self.run.hex}/{self.conversation}/{self.owner}"
