"""The usage route's body (docs/api.md, "Usage and budgets")."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class UsageTotals(BaseModel):
    messages: int = Field(0, description="Assistant messages with usage.")
    requests: int = Field(0, description="Model calls made.")
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0


class UsageGroup(UsageTotals):
    day: date | None = Field(None, description="With group=day: the local day.")
    conversation_id: int | None = Field(None, description="With group=conversation.")
    title: str | None = Field(None, description="With group=conversation: its title.")


class BudgetOut(BaseModel):
    tokens_per_day: int = Field(description="CHAT_TOKENS_PER_DAY; 0 is no budget.")
    used_today: int | None = Field(
        description="Input + output tokens counted today (UTC); null without a budget."
    )
    remaining: int | None = Field(description="Tokens left today; null without a budget.")
    resets_at: datetime = Field(description="The next midnight UTC, when the count restarts.")


class UsageReport(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    timezone: str
    group: Literal["day", "conversation"]
    totals: UsageTotals
    groups: list[UsageGroup]
    budget: BudgetOut
