"""The offline model's sentence parser: docs/api.md §11's phrases and common paraphrases."""

import pytest

from agent.models.offline_intents import (
    AddTask,
    CompleteTask,
    DeleteTask,
    Intent,
    ListTasks,
    SmallTalk,
    Unclear,
    UpdateTask,
    parse_intent,
)
from agent.models.offline_refs import (
    PreviousTask,
    TaskId,
    TaskIds,
    TaskName,
    TaskSet,
    parse_task_ref,
)

SPEC_TABLE = [
    ("Add a task to buy groceries", AddTask("Buy groceries")),
    ("Show me all my tasks", ListTasks("all")),
    ("What's pending?", ListTasks("pending")),
    ("Mark task 3 as complete", CompleteTask(TaskId(3))),
    ("Delete the meeting task", DeleteTask(TaskName("meeting"))),
    ("Change task 1 to 'Call mom tonight'", UpdateTask(TaskId(1), title="Call mom tonight")),
    ("I need to remember to pay bills", AddTask("Pay bills")),
    ("What have I completed?", ListTasks("completed")),
]

ADD = [
    ("remind me to call mom", AddTask("Call mom")),
    ("create a task: Water the plants", AddTask("Water the plants")),
    ("new task Call the bank", AddTask("Call the bank")),
    ("add milk to my list", AddTask("Milk")),
    ("don't let me forget to renew my passport", AddTask("Renew my passport")),
    ("Don\u2019t let me forget to renew my passport", AddTask("Renew my passport")),
    ("remember to book flights", AddTask("Book flights")),
    ("Please add a task to buy milk, thanks!", AddTask("Buy milk")),
    ("hey, add a task to buy milk", AddTask("Buy milk")),
    ("Could you add a task to 'walk the dog'?", AddTask("Walk the dog")),
    ("Add buy eggs", AddTask("Buy eggs")),
    ("add a task to delete old mail", AddTask("Delete old mail")),
    ("I have to call the bank", AddTask("Call the bank")),
    (
        "Add a task to buy groceries with description milk and eggs",
        AddTask("Buy groceries", "milk and eggs"),
    ),
    ("Add a task: Buy groceries: milk, eggs", AddTask("Buy groceries", "milk, eggs")),
    ("add task", SmallTalk("ask_title")),
]

LIST = [
    ("list my tasks", ListTasks("all")),
    ("what are my tasks", ListTasks("all")),
    ("Can you show me my tasks?", ListTasks("all")),
    ("I want to see my tasks", ListTasks("all")),
    ("how many tasks do I have", ListTasks("all")),
    ("tasks", ListTasks("all")),
    ("what's left?", ListTasks("pending")),
    ("what do I still need to do", ListTasks("pending")),
    ("show incomplete tasks", ListTasks("pending")),
    ("show done tasks", ListTasks("completed")),
    ("what did I finish", ListTasks("completed")),
    ("What's done?", ListTasks("completed")),
    ("completed tasks", ListTasks("completed")),
    ("find the meeting task", ListTasks("all", "meeting")),
    ("show tasks about the dentist", ListTasks("all", "dentist")),
    ("search tasks about the dentist", ListTasks("all", "dentist")),
]

COMPLETE = [
    ("I finished task 2", CompleteTask(TaskId(2))),
    ("task 5 is done", CompleteTask(TaskId(5))),
    ("complete 4", CompleteTask(TaskId(4))),
    ("check off task 1", CompleteTask(TaskId(1))),
    ("mark task #3 done", CompleteTask(TaskId(3))),
    ("mark task three done", CompleteTask(TaskId(3))),
    ("done with task 3", CompleteTask(TaskId(3))),
    ("set task 2 to done", CompleteTask(TaskId(2))),
    ("mark it done", CompleteTask(PreviousTask())),
    ("complete that", CompleteTask(PreviousTask())),
    ("it's done", CompleteTask(PreviousTask())),
    ("mark the milk task done", CompleteTask(TaskName("milk"))),
    ("I bought the milk", CompleteTask(TaskName("milk"))),
]

DELETE = [
    ("Delete task 4", DeleteTask(TaskId(4))),
    ("remove task 4", DeleteTask(TaskId(4))),
    ("cancel task 2", DeleteTask(TaskId(2))),
    ("delete it", DeleteTask(PreviousTask())),
    ("delete that one", DeleteTask(PreviousTask())),
    ("remove buy milk from my list", DeleteTask(TaskName("buy milk"))),
    ("delete the task called Team sync", DeleteTask(TaskName("Team sync"))),
    # Several tasks: a filter or a list of numbers, acted on one call per task.
    ("delete all tasks", DeleteTask(TaskSet())),
    ("delete tasks 2 and 3", DeleteTask(TaskIds((2, 3)))),
    ("remove all completed todos", DeleteTask(TaskSet("completed"))),
]

UPDATE = [
    ("rename task 1 to Call dad", UpdateTask(TaskId(1), title="Call dad")),
    ("update task 2 title to walk the dog", UpdateTask(TaskId(2), title="Walk the dog")),
    (
        "change task 3 description to bring receipts",
        UpdateTask(TaskId(3), description="bring receipts"),
    ),
    (
        "change the description of task 2 to call first",
        UpdateTask(TaskId(2), description="call first"),
    ),
    (
        "Change task 1 to \u201cCall mom tonight\u201d.",
        UpdateTask(TaskId(1), title="Call mom tonight"),
    ),
    ("rename it to Call dad", UpdateTask(PreviousTask(), title="Call dad")),
    ("rename the gym task to Yoga", UpdateTask(TaskName("gym"), title="Yoga")),
]

SMALL_TALK = [
    ("hi", SmallTalk("greeting")),
    ("Hello!", SmallTalk("greeting")),
    ("", SmallTalk("help")),
    ("help", SmallTalk("help")),
    ("what can you do?", SmallTalk("help")),
    ("I need help", SmallTalk("help")),
    ("thanks", SmallTalk("thanks")),
    ("what's the weather like?", SmallTalk("unknown")),
    # A few words that may name a task are looked up, and asked about if they do (nothing is
    # changed either way): see UNCLEAR.
    ("asdf qwerty", Unclear(TaskName("asdf qwerty"))),
]

# A task named with nothing asked of it: the model asks what to do, and changes nothing.
UNCLEAR = [
    ("task 2", Unclear(TaskId(2))),
    ("do something with task 3", Unclear(TaskId(3))),
    ("it", Unclear(PreviousTask())),
    ("what about the milk?", Unclear(TaskName("milk"))),
    ("task 2 on friday", Unclear(TaskId(2))),
    ("task 2 by friday?", Unclear(TaskId(2))),
    ("make task 1 something", Unclear(TaskId(1))),
]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [*SPEC_TABLE, *ADD, *LIST, *COMPLETE, *DELETE, *UPDATE, *SMALL_TALK, *UNCLEAR],
)
def test_parse_intent(sentence: str, expected: Intent) -> None:
    assert parse_intent(sentence) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("task 3", TaskId(3)),
        ("#12", TaskId(12)),
        ("number 7", TaskId(7)),
        ("that one", PreviousTask()),
        ("the meeting task", TaskName("meeting")),
        ("the one about the dentist", TaskName("dentist")),
        ("all my tasks", TaskSet()),
        ("what", None),
    ],
)
def test_parse_task_ref(text: str, expected: object) -> None:
    assert parse_task_ref(text) == expected


def test_titles_are_capped_at_the_documented_limit() -> None:
    intent = parse_intent("Add a task to " + "x" * 300)
    assert isinstance(intent, AddTask)
    assert len(intent.title) == 200


@pytest.mark.parametrize("letter", ["\u00df", "\u0149", "\ufb01"])
def test_capitalising_never_lengthens_a_title(letter: str) -> None:
    # Each has a capital of two characters: "SS", "\\u02bcN", "FI".
    intent = parse_intent("add a task to " + letter * 200)

    assert intent == AddTask(letter * 200)


def test_a_title_is_capitalised_when_its_capital_is_one_letter() -> None:
    assert parse_intent("add a task to \u00e9crire") == AddTask("\u00c9crire")
