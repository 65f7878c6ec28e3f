"""The agent's instructions: the same rules for everyone, then the turn's situation."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from agents import RunContextWrapper

from agent.context import ChatContext
from agent.instructions import INSTRUCTIONS, instructions_for
from agent.models.offline_situation import read_situation
from backend.limits.tool_budget import ToolBudget


def test_the_user_is_told_their_local_date_weekday_time_and_limits() -> None:
    context = ChatContext(
        "alice",
        1,
        ToolBudget(max_calls=7, max_destructive_calls=2),
        ZoneInfo("America/St_Johns"),
        datetime(2026, 12, 1, 1, 15, tzinfo=UTC),
    )

    text = instructions_for(RunContextWrapper(context), None)

    assert text.startswith(INSTRUCTIONS)
    # 01:15 UTC is 21:45 the evening before in Newfoundland (UTC-3:30).
    assert "Monday, 30 November 2026, 21:45" in text
    assert "2026-11-30T21:45:00-03:30 in America/St_Johns" in text
    assert "at most 7 tool calls and 2 deletions" in text


def test_the_offline_model_reads_the_situation_back() -> None:
    context = ChatContext(
        "alice",
        1,
        ToolBudget(max_calls=7, max_destructive_calls=2),
        ZoneInfo("Asia/Kolkata"),
        datetime(2026, 12, 1, 20, 0, tzinfo=UTC),
    )

    situation = read_situation(instructions_for(RunContextWrapper(context), None))

    assert situation.now == datetime(2026, 12, 2, 1, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert situation.now.utcoffset() == context.local_now.utcoffset()
    assert (situation.max_calls, situation.max_deletions) == (7, 2)


def test_without_a_chat_context_only_the_rules() -> None:
    assert instructions_for(RunContextWrapper(None), None) == INSTRUCTIONS
    assert read_situation(INSTRUCTIONS).now.utcoffset() is not None
