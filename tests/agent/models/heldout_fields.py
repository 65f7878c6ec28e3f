"""A third held-out set: the docs/api.md §18 fields (priorities, tags, due dates, recurrence,
reminders, filters and sorts) in the forms people type, and messages that name a task without
saying what to do with it.

Written before the model was changed for issue 18 and before its misses were looked at, and
never used to tune it (the development cases are in test_offline_intents.py and
test_offline_fields.py). Change a case only when the expectation itself was wrong, and say so
in the commit.

Every case runs against a fresh copy of `heldout.SEEDED` at `heldout.NOW` (Tuesday
2026-12-01 10:00 in Europe/Berlin). How a case is judged
(tests/agent/models/test_heldout_fields.py):

- a case that expects writes (`add_task`, `update_task`, `complete_task`, `delete_task`) is
  understood when the writes made are exactly those; the `list_tasks` lookups the model makes
  before writing are its own business (the person never sees them);
- a case that expects a listing is understood when the one `list_tasks` call made has exactly
  those arguments (`status="all"` counts as no status);
- `ASKS`: no write, and the answer ends by asking the person something (with a "?");
- `NOTHING`: no write; any lookup and any answer.

A write that the case does not expect is an *unasked change*, whether the case was understood
or not; the test allows none.
"""

from __future__ import annotations

from tests.agent.models.heldout import (
    BREAD,
    END_OF_FRIDAY,
    END_OF_MONDAY,
    END_OF_TODAY,
    END_OF_TOMORROW,
    END_OF_WEEK,
    Call,
    Case,
    add,
    case,
    listing,
    update,
)

ASKS: Call = ("asks", {})
NOTHING: Call = ("nothing", {})

END_OF_SATURDAY = "2026-12-05T23:59:59+01:00"
END_OF_DEC_15 = "2026-12-15T23:59:59+01:00"
END_OF_DEC_24 = "2026-12-24T23:59:59+01:00"
IN_TWO_HOURS = "2026-12-01T12:00:00+01:00"
TODAY_2PM = "2026-12-01T14:00:00+01:00"
TODAY_6PM = "2026-12-01T18:00:00+01:00"
TOMORROW_9AM = "2026-12-02T09:00:00+01:00"
FRIDAY_9AM = "2026-12-04T09:00:00+01:00"
MONDAY_8AM = "2026-12-07T08:00:00+01:00"

PRIORITIES = [
    case("make the rent urgent", update(4, priority="high")),
    case("task 5 is urgent", update(5, priority="high")),
    case("task 1 urgent", update(1, priority="high")),
    case("set task 1 to medium priority.", update(1, priority="medium")),
    case("task 4 p1", update(4, priority="high")),
    case("can you make task 2 low priority?", update(2, priority="low")),
    case("mark task 1 as important", update(1, priority="high")),
    case("bump task 5 to high priority", update(5, priority="high")),
    case("priority high for task 4", update(4, priority="high")),
    case("remove the priority from task 2", update(2, priority="none")),
    case("add call the bank p1", add("Call the bank", priority="high")),
    case("p3: sort the photos", add("Sort the photos", priority="low")),
    case("Urgent - call the landlord!", add("Call the landlord", priority="high")),
    case(
        "can you add a medium priority task to book the car service?",
        add("Book the car service", priority="medium"),
    ),
    case("low prio: defrost the freezer", add("Defrost the freezer", priority="low")),
    case("important: renew the car insurance", add("Renew the car insurance", priority="high")),
]

TAGS = [
    case("tag task 4 bills", update(4, tags=["bills"])),
    case("label the meeting as clients", update(2, tags=["work", "clients"])),
    case(
        "can you tag task 5 with groceries and errands?",
        update(5, tags=["shopping", "groceries", "errands"]),
    ),
    case("add the home tag to task 4", update(4, tags=["home"])),
    case("file task 4 under bills", update(4, tags=["bills"])),
    case("remove the shopping tag from task 5", update(5, tags=[])),
    case("untag task 1", update(1, tags=[])),
    case("tag it work", update(7, tags=["work"]), before=BREAD),
    case("add buy stamps, label: errands", add("Buy stamps", tags=["errands"])),
    case("buy batteries #errands", add("Buy batteries", tags=["errands"])),
    case(
        "add pick up the parcel #errands tomorrow",
        add("Pick up the parcel", tags=["errands"], due=END_OF_TOMORROW),
    ),
    case(
        "new task water the plants tagged home, garden",
        add("Water the plants", tags=["home", "garden"]),
    ),
    case(
        "add a p2 task to call the plumber friday #home",
        add("Call the plumber", priority="medium", due=END_OF_FRIDAY, tags=["home"]),
    ),
]

DUE_DATES = [
    case("move task 4 to friday", update(4, due=END_OF_FRIDAY)),
    case("task 1 due tomorrow", update(1, due=END_OF_TOMORROW)),
    case("can you push the meeting to monday?", update(2, due=END_OF_MONDAY)),
    case("set a deadline of Dec 24 for task 5", update(5, due=END_OF_DEC_24)),
    case("due date for task 4: saturday", update(4, due=END_OF_SATURDAY)),
    case("the rent is due on monday", update(4, due=END_OF_MONDAY)),
    case("remove the due date from task 2", update(2, due="none")),
    case("make it due friday", update(7, due=END_OF_FRIDAY), before=BREAD),
    case("add book the vet by the 15th", add("Book the vet", due=END_OF_DEC_15)),
    case("pay the invoice tomorrow at 9am", add("Pay the invoice", due=TOMORROW_9AM)),
    case("send the report in 2 hours", add("Send the report", due=IN_TWO_HOURS)),
    case("Add 'call the bank' for Monday at 8am", add("Call the bank", due=MONDAY_8AM)),
]

RECURRENCE = [
    case("make task 1 weekly", update(1, recurrence="weekly")),
    case("task 4 repeats every month", update(4, recurrence="monthly")),
    case("set task 2 to repeat every weekday", update(2, recurrence="weekdays")),
    case("stop repeating task 4", update(4, recurrence="none")),
    case("add take vitamins daily", add("Take vitamins", recurrence="daily", due=END_OF_TODAY)),
    case(
        "can you add a weekly task to call mom on sunday?",
        add("Call mom", recurrence="weekly", due=END_OF_WEEK),
    ),
    case("stand-up every weekday", add("Stand-up", recurrence="weekdays", due=END_OF_TODAY)),
    case(
        "clean the fridge every monday",
        add("Clean the fridge", recurrence="weekly", due=END_OF_MONDAY),
    ),
    case(
        "add pay the mortgage monthly",
        add("Pay the mortgage", recurrence="monthly", due=END_OF_TODAY),
    ),
]

REMINDERS = [
    case("remind me about task 4 on friday at 9am", update(4, remind=FRIDAY_9AM)),
    case("set a reminder for 2pm on task 2", update(2, remind=TODAY_2PM)),
    case("can you remind me about it in 2 hours?", update(7, remind=IN_TWO_HOURS), before=BREAD),
    case("turn off the reminder on task 4", update(4, remind="none")),
    case("remind me about the rent tomorrow at 9am", update(4, remind=TOMORROW_9AM)),
    case("ping me at 6pm about task 5", update(5, remind=TODAY_6PM)),
    case("remind me to call mom at 6pm", add("Call mom", due=TODAY_6PM, remind=TODAY_6PM)),
    case(
        "reminder: take the bins out at 6pm",
        add("Take the bins out", due=TODAY_6PM, remind=TODAY_6PM),
    ),
]

FILTERS_AND_SORTS = [
    case("what's due tomorrow", listing(status="pending", due_before=END_OF_TOMORROW)),
    case("what's due by friday?", listing(status="pending", due_before=END_OF_FRIDAY)),
    case("what's coming up this week", listing(status="pending", due_before=END_OF_WEEK)),
    case("anything overdue?", listing(overdue=True)),
    case("show p1 tasks", listing(priority="high")),
    case("urgent stuff?", listing(priority="high")),
    case("pending high priority tasks", listing(status="pending", priority="high")),
    case("show #work", listing(tag="work")),
    case("tasks tagged shopping", listing(tag="shopping")),
    case("what do I have tagged home?", listing(tag="home")),
    case("what's tagged work?", listing(tag="work")),
    case("show completed work tasks", listing(status="completed", tag="work")),
    case("list my tasks sorted by due date", listing(sort="due_at")),
    case("sort by title.", listing(sort="title")),
    case(
        "can you show my low priority tasks by due date?",
        listing(priority="low", sort="due_at"),
    ),
    case(
        "open shopping tasks sorted by title",
        listing(status="pending", tag="shopping", sort="title"),
    ),
]

# A task is named (by number, "it", or words of its title) but not what to do with it: the
# model asks, and changes nothing.
UNCLEAR = [
    case("task 1", ASKS),
    case("milk", ASKS),
    case("passport", ASKS),
    case("what about the rent?", ASKS),
    case("and task 4?", ASKS),
    case("task 4 tomorrow?", ASKS),
    case("do something with task 2", ASKS),
    case("hmm, the meeting", ASKS),
    case("task 3 again", ASKS),
    case("the eggs one", ASKS),
    case("task 1 and 5", ASKS),
    case("it", ASKS, before=BREAD),
    case("what about it?", ASKS, before=BREAD),
    case("don't delete task 4", NOTHING),
    case("is task 2 high priority?", NOTHING),
]

HELD_OUT_FIELDS: list[Case] = [
    *PRIORITIES,
    *TAGS,
    *DUE_DATES,
    *RECURRENCE,
    *REMINDERS,
    *FILTERS_AND_SORTS,
    *UNCLEAR,
]

# ---- a second §18 set ---------------------------------------------------------------------
# The set above was tuned on (its misses were read while the model was changed), so it no
# longer measures unseen phrasings. This one was written after that change and before the model
# ever saw it: its first score is the honest number, and it is not tuned on.

END_OF_DEC_10 = "2026-12-10T23:59:59+01:00"
TODAY_5PM = "2026-12-01T17:00:00+01:00"

AFTER_REWORK = [
    case("set the priority of task 5 to high", update(5, priority="high")),
    case("change task 1 to p2", update(1, priority="medium")),
    case("lower task 2 to medium priority", update(2, priority="medium")),
    case("high priority on the eggs", update(5, priority="high")),
    case("add pay the gas bill, high priority", add("Pay the gas bill", priority="high")),
    case("asap: book the plumber", add("Book the plumber", priority="high")),
    case("tag task 5 errands", update(5, tags=["shopping", "errands"])),
    case("put the work label on task 4", update(4, tags=["work"])),
    case("take the work tag off task 2", update(2, tags=[])),
    case("add milk #groceries", add("Milk", tags=["groceries"])),
    case(
        "new task: renew library books #errands",
        add("Renew library books", tags=["errands"]),
    ),
    case("what's under errands?", listing(tag="errands")),
    case("push task 5 to tomorrow", update(5, due=END_OF_TOMORROW)),
    case("the eggs by friday", update(5, due=END_OF_FRIDAY)),
    case("deadline for the rent: friday", update(4, due=END_OF_FRIDAY)),
    case("no due date on task 4", update(4, due="none")),
    case("add call the vet on the 10th", add("Call the vet", due=END_OF_DEC_10)),
    case("file the taxes by Dec 24", add("File the taxes", due=END_OF_DEC_24)),
    case("task 1 every week", update(1, recurrence="weekly")),
    case("make the rent monthly", update(4, recurrence="monthly")),
    case("task 2 shouldn't repeat", update(2, recurrence="none")),
    case("new task: gym every weekday", add("Gym", recurrence="weekdays", due=END_OF_TODAY)),
    case(
        "add backup the laptop every month",
        add("Backup the laptop", recurrence="monthly", due=END_OF_TODAY),
    ),
    case("remind me about the eggs at 5pm", update(5, remind=TODAY_5PM)),
    case("set a reminder on task 1 for tomorrow at 9am", update(1, remind=TOMORROW_9AM)),
    case("no reminder on task 2", update(2, remind="none")),
    case(
        "remind me at 6pm to call the bank",
        add("Call the bank", due=TODAY_6PM, remind=TODAY_6PM),
    ),
    case("anything due this week", listing(status="pending", due_before=END_OF_WEEK)),
    case("show tasks sorted by priority", listing(sort="priority")),
    case("which tasks are p1?", listing(priority="high")),
    case("list #shopping", listing(tag="shopping")),
    case("show overdue tasks", listing(overdue=True)),
    case("show my tasks alphabetically", listing(sort="title")),
    case("medium priority tasks?", listing(priority="medium")),
    case("task 6", ASKS),
    case("eggs", ASKS),
    case("what about task 2?", ASKS),
    case("that one", ASKS, before=BREAD),
    case("the passport thing", ASKS),
    case("task 5 friday", ASKS),
    case("hmm task 2 maybe", ASKS),
    case("never mind task 4", NOTHING),
    case("is the rent overdue?", NOTHING),
]
