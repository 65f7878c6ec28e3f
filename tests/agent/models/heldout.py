"""Held-out phrasings for the offline model: what people type, and the tool calls it should make.

Written before the model's understanding was reworked and never used to tune it (the
development set is tests/agent/models/test_offline_intents.py). Change a case only when the
expectation itself was wrong, and say so in the commit.

Every case runs against a fresh copy of `SEEDED` at `NOW` in `ZONE` (a Tuesday), through the
Agents SDK Runner. A call named "lookup" is any `list_tasks` call whose arguments are the
model's business (it looks a named task up before acting on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZONE)

# id, title, completed, tags, priority
SEEDED: list[tuple[int, str, bool, list[str], str | None]] = [
    (1, "Buy milk", False, ["shopping"], None),
    (2, "Team meeting at 3", False, ["work"], "high"),
    (3, "Call the dentist", True, [], None),
    (4, "Pay rent", False, [], None),
    (5, "Buy eggs", False, ["shopping"], None),
    (6, "Renew passport", True, [], "low"),
]

END_OF_TODAY = "2026-12-01T23:59:59+01:00"
END_OF_TOMORROW = "2026-12-02T23:59:59+01:00"
END_OF_FRIDAY = "2026-12-04T23:59:59+01:00"
END_OF_DEC_5 = "2026-12-05T23:59:59+01:00"
END_OF_WEEK = "2026-12-06T23:59:59+01:00"
END_OF_MONDAY = "2026-12-07T23:59:59+01:00"
TODAY_5PM = "2026-12-01T17:00:00+01:00"
NEXT_TUESDAY_9AM = "2026-12-08T09:00:00+01:00"

Call = tuple[str, dict[str, Any]]
LOOKUP: Call = ("lookup", {})


@dataclass(frozen=True)
class Contains:
    """An argument that must be a list holding this value (other values may come with it)."""

    value: str


@dataclass(frozen=True)
class Case:
    say: str
    calls: tuple[Call, ...]
    before: str | None = None
    """A message sent earlier in the same conversation (for "it", "that one")."""


def case(say: str, *calls: Call, before: str | None = None) -> Case:
    return Case(say, calls, before)


def add(title: str, **more: Any) -> Call:
    return ("add_task", {"title": title, **more})


def listing(**arguments: Any) -> Call:
    return ("list_tasks", arguments)


def complete(task_id: int) -> Call:
    return ("complete_task", {"task_id": task_id})


def delete(task_id: int) -> Call:
    return ("delete_task", {"task_id": task_id})


def update(task_id: int, **changes: Any) -> Call:
    return ("update_task", {"task_id": task_id, **changes})


BREAD = "add a task to buy bread"  # becomes task 7

SPEC_TABLE = [
    case("Add a task to buy groceries", add("Buy groceries")),
    case("Show me all my tasks", listing(status="all")),
    case("What's pending?", listing(status="pending")),
    case("Mark task 3 as complete", complete(3)),
    case("Delete the meeting task", LOOKUP, delete(2)),
    case("Change task 1 to 'Call mom tonight'", update(1, title="Call mom tonight")),
    case("I need to remember to pay bills", add("Pay bills")),
    case("What have I completed?", listing(status="completed")),
]

RICHER_TABLE = [
    case(
        "Add a high priority task to pay rent by Friday",
        add("Pay rent", priority="high", due=END_OF_FRIDAY),
    ),
    case(
        "Remind me every Monday to take out the trash",
        add("Take out the trash", recurrence="weekly", due=END_OF_MONDAY),
    ),
    # Corrected after the fact: update_task replaces a task's tags, so "including work" needs
    # the current tags looked up first (the case first expected the update alone).
    case("Tag task 2 as work", LOOKUP, update(2, tags=Contains("work"))),
    case("What's due this week?", listing(status="pending", due_before=END_OF_WEEK)),
    case("What's overdue?", listing(overdue=True)),
    case("Show my work tasks by priority", listing(tag="work", sort="priority")),
]

ADDING = [
    case("jot down: call the dentist", add("Call the dentist")),
    case("can you put 'renew passport' on my list", add("Renew passport")),
    case("put buy stamps on my to-do list", add("Buy stamps")),
    case("need to water the plants tomorrow", add("Water the plants", due=END_OF_TOMORROW)),
    case("new todo: email the landlord", add("Email the landlord")),
    case("add 'fix the bike' please", add("Fix the bike")),
    case("remind me to call grandma at 5pm", add("Call grandma", due=TODAY_5PM, remind=TODAY_5PM)),
    case(
        "add buy a birthday present for Anna by Dec 5",
        add("Buy a birthday present for Anna", due=END_OF_DEC_5),
    ),
    case("add a low priority task to clean the garage", add("Clean the garage", priority="low")),
    case(
        "add 'pay the electricity bill' tagged bills and home",
        add("Pay the electricity bill", tags=["bills", "home"]),
    ),
    case("create a daily task to stretch", add("Stretch", recurrence="daily", due=END_OF_TODAY)),
    case("I gotta pick up the dry cleaning", add("Pick up the dry cleaning")),
    case(
        "Don't forget: dentist appointment next Tuesday at 9am",
        add("Dentist appointment", due=NEXT_TUESDAY_9AM),
    ),
    case("please add milk", add("Milk")),
    case("could you note that I need to book a haircut", add("Book a haircut")),
    case("urgent: submit the tax return", add("Submit the tax return", priority="high")),
]

LISTING = [
    case("what's left?", listing(status="pending")),
    case("show me what I've finished", listing(status="completed")),
    case("what do I have to do today?", listing(status="pending", due_before=END_OF_TODAY)),
    case("list everything", listing(status="all")),
    case("any open tasks?", listing(status="pending")),
    case("what's on my list?", listing(status="all")),
    case("show high priority tasks", listing(priority="high")),
    case("show me my shopping tasks", listing(tag="shopping")),
    case("anything due tomorrow?", listing(status="pending", due_before=END_OF_TOMORROW)),
    case("sort my tasks by due date", listing(sort="due_at")),
    case("do I have anything about the dentist?", listing(query="dentist")),
    case("what did I get done?", listing(status="completed")),
    case("show my to-do list", listing(status="all")),
    case("search for rent", listing(query="rent")),
]

COMPLETING = [
    case("it's done", complete(7), before=BREAD),
    case("finished the rent one", LOOKUP, complete(4)),
    case("I paid the rent", LOOKUP, complete(4)),
    case("tick off number 5", complete(5)),
    case("task 4 done", complete(4)),
    case("complete all the shopping tasks", LOOKUP, complete(1), complete(5)),
    case("mark the milk one as done", LOOKUP, complete(1)),
    case("done with the meeting", LOOKUP, complete(2)),
    case("mark 2 and 4 as done", complete(2), complete(4)),
    case("that one's finished too", complete(7), before=BREAD),
]

DELETING = [
    case("delete everything that's done", LOOKUP, delete(3), delete(6)),
    case("remove the milk one", LOOKUP, delete(1)),
    case("get rid of task 5", delete(5)),
    case("scrap the dentist task", LOOKUP, delete(3)),
    case("delete it", delete(7), before=BREAD),
    case("trash number 2", delete(2)),
    case("forget about paying rent", LOOKUP, delete(4)),
    case("cancel the meeting", LOOKUP, delete(2)),
]

UPDATING = [
    case("rename task 4 to Pay December rent", update(4, title="Pay December rent")),
    case("change the meeting to 'Team meeting at 4'", LOOKUP, update(2, title="Team meeting at 4")),
    case("make task 1 high priority", update(1, priority="high")),
    case("move the rent to friday", LOOKUP, update(4, due=END_OF_FRIDAY)),
    case("set task 5's description to free range", update(5, description="free range")),
    case("task 2 should be called Weekly sync", update(2, title="Weekly sync")),
    case("make task 4 repeat monthly", update(4, recurrence="monthly")),
]

NO_TOOL = [
    case("thanks!"),
    case("hello there"),
    case("what's the weather like?"),
]

HELD_OUT: list[Case] = [
    *SPEC_TABLE,
    *RICHER_TABLE,
    *ADDING,
    *LISTING,
    *COMPLETING,
    *DELETING,
    *UPDATING,
    *NO_TOOL,
]

# ---- a second held-out set ---------------------------------------------------------------
# Written after the rework, before the model ever saw it: the first set's misses were read
# while fixing the model (four general bugs they exposed), so it is no longer fully unseen.
# This one is: its first score is the honest number, and it is not tuned on either.

TODAY_3PM = "2026-12-01T15:00:00+01:00"
END_OF_DEC_10 = "2026-12-10T23:59:59+01:00"

FRESH = [
    case("add call the plumber to my todo list", add("Call the plumber")),
    case("put 'cancel gym membership' on the list", add("Cancel gym membership")),
    case("new task: buy a gift for mom", add("Buy a gift for mom")),
    case("remember to pick up the kids at 3pm", add("Pick up the kids", due=TODAY_3PM)),
    case("I need to finish the report by tomorrow", add("Finish the report", due=END_OF_TOMORROW)),
    case("make a note to renew the car insurance", add("Renew the car insurance")),
    case("create task book flights, high priority", add("Book flights", priority="high")),
    case(
        "add water the garden every day",
        add("Water the garden", recurrence="daily", due=END_OF_TODAY),
    ),
    case(
        "add a task to review PRs every weekday",
        add("Review PRs", recurrence="weekdays", due=END_OF_TODAY),
    ),
    case("add 'pay the phone bill' due Dec 10", add("Pay the phone bill", due=END_OF_DEC_10)),
    case("i have to email Sarah", add("Email Sarah")),
    case("add a task to clean the kitchen tagged home", add("Clean the kitchen", tags=["home"])),
    case("what are my open tasks?", listing(status="pending")),
    case("show me everything I have", listing(status="all")),
    case("what's still on my list?", listing(status="pending")),
    case("list completed items", listing(status="completed")),
    case("show tasks tagged work", listing(tag="work")),
    case("what's due today?", listing(status="pending", due_before=END_OF_TODAY)),
    case("show low priority tasks", listing(priority="low")),
    case("which tasks are overdue?", listing(overdue=True)),
    case("show my tasks sorted by priority", listing(sort="priority")),
    case("find tasks about groceries", listing(query="groceries")),
    case("I bought the eggs", LOOKUP, complete(5)),
    case("cross off number 4", complete(4)),
    case("tick task 2 as done", complete(2)),
    case("the meeting is done", LOOKUP, complete(2)),
    case("mark all my shopping as done", LOOKUP, complete(1), complete(5)),
    case("finish tasks 1 and 4", complete(1), complete(4)),
    case("done!", complete(7), before=BREAD),
    case("remove task 6", delete(6)),
    case("delete the eggs task", LOOKUP, delete(5)),
    case("clear out all completed tasks", LOOKUP, delete(3), delete(6)),
    case("get rid of it", delete(7), before=BREAD),
    case("please delete tasks 4 and 5", delete(4), delete(5)),
    case("erase the passport one", LOOKUP, delete(6)),
    case("rename the milk task to Buy oat milk", LOOKUP, update(1, title="Buy oat milk")),
    case("change task 5's title to Buy a dozen eggs", update(5, title="Buy a dozen eggs")),
    case("set task 4 to low priority", update(4, priority="low")),
    case("make the meeting due tomorrow", LOOKUP, update(2, due=END_OF_TOMORROW)),
    # Corrected like "Tag task 2 as work": the current tags are looked up to be kept.
    case("tag task 1 with groceries", LOOKUP, update(1, tags=["shopping", "groceries"])),
    case(
        "add a description to task 4: transfer by the 1st",
        update(4, description="transfer by the 1st"),
    ),
    case("good morning"),
    case("who made you?"),
]
