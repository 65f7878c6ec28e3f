"""The offline model never acts on a guess: issue 18's misreadings, and what it does instead.

Development cases (the model was changed with these in view), unlike the held-out sets. Each
runs against `heldout.SEEDED` at the fixed `heldout.NOW` (task 1 is "Buy milk", tagged
shopping; task 4 "Pay rent").
"""

from __future__ import annotations

from tests.agent.models.heldout import BREAD, END_OF_FRIDAY, case
from tests.agent.models.test_heldout_fields import WRITES, outcome_of


async def test_make_a_numbered_task_urgent_sets_its_priority_and_creates_nothing() -> None:
    outcome = await outcome_of(case("make task 1 urgent"))

    assert outcome.calls == [("update_task", {"task_id": 1, "priority": "high"})]
    assert outcome.answer == 'Updated task 1 "Buy milk": high priority.'


async def test_label_task_1_home_adds_the_tag_to_the_ones_it_has() -> None:
    outcome = await outcome_of(case("label task 1 home"))

    assert outcome.writes == [("update_task", {"task_id": 1, "tags": ["shopping", "home"]})]


async def test_a_priority_before_a_colon_adds_a_task_with_it() -> None:
    outcome = await outcome_of(case("low priority: clean the garage"))

    assert outcome.calls == [("add_task", {"title": "Clean the garage", "priority": "low"})]


async def test_a_task_named_with_nothing_asked_of_it_is_a_question() -> None:
    for said in ("task 1", "task 4 on friday", "make task 1 something", "rent"):
        outcome = await outcome_of(case(said))

        assert outcome.writes == [], said
        assert outcome.answer.endswith("?"), said
        assert "task " in outcome.answer, said


async def test_words_without_a_verb_that_name_a_task_add_nothing() -> None:
    outcome = await outcome_of(case("buy milk tomorrow"))

    assert outcome.calls == [("list_tasks", {"status": "all", "query": "Buy milk"})]
    assert outcome.answer == (
        'You already have:\n1. Buy milk\nShould I change that one, or add "Buy milk" as a new task?'
    )


async def test_words_without_a_verb_that_name_no_task_add_one() -> None:
    outcome = await outcome_of(case("water the plants by friday"))

    assert outcome.writes == [("add_task", {"title": "Water the plants", "due": END_OF_FRIDAY})]
    assert outcome.answer == 'Added "Water the plants" as task 7 (due 2026-12-04 23:59).'


async def test_a_field_is_cleared_and_a_tag_taken_off() -> None:
    cleared = await outcome_of(case("remove the due date from task 4"))
    untagged = await outcome_of(case("remove the shopping tag from task 1"))

    assert cleared.writes == [("update_task", {"task_id": 4, "due": "none"})]
    assert untagged.writes == [("update_task", {"task_id": 1, "tags": []})]


async def test_a_description_is_data_not_a_date() -> None:
    outcome = await outcome_of(case("add a description to task 4: pay by the 1st"))

    assert outcome.writes == [("update_task", {"task_id": 4, "description": "pay by the 1st"})]


async def test_unclear_messages_never_write() -> None:
    for said in ("asdf qwerty", "it", "hmm", "task 1 and 4", "what about the eggs?", "#3"):
        outcome = await outcome_of(case(said))

        assert [call for call in outcome.calls if call[0] in WRITES] == [], said


async def test_the_nth_is_that_day_of_this_month_not_a_month() -> None:
    # dateparser reads "10th" as October; on 1 December "the 10th" is 10 December.
    outcome = await outcome_of(case("add a task to book the hall for the 10th"))

    assert outcome.writes == [
        ("add_task", {"title": "Book the hall", "due": "2026-12-10T23:59:59+01:00"})
    ]


async def test_a_month_inside_a_word_is_no_date() -> None:
    outcome = await outcome_of(case("add a task to call mom maybe 2 maybe 3"))

    assert outcome.writes == [("add_task", {"title": "Call mom maybe 2 maybe 3"})]


async def test_a_fragment_naming_a_task_number_is_about_it_not_a_new_task() -> None:
    outcome = await outcome_of(case("raise task 2 to high priority"))

    assert outcome.writes == []
    assert outcome.answer.endswith("?")


async def test_a_field_alone_names_no_task_and_adds_none() -> None:
    for said in ("p1", "#work", "tomorrow", "every monday", "high priority"):
        outcome = await outcome_of(case(said))

        assert outcome.calls == [], said


async def test_adding_something_to_a_numbered_task_creates_no_task() -> None:
    outcome = await outcome_of(case("add 'urgent' to task 4"))

    assert outcome.calls == []
    assert outcome.answer.endswith("?")


async def test_it_is_urgent_after_adding_a_task_sets_that_tasks_priority() -> None:
    outcome = await outcome_of(case("it's urgent", before=BREAD))

    assert outcome.calls == [("update_task", {"task_id": 7, "priority": "high"})]


async def test_fields_for_several_tasks_without_a_verb_are_asked_about() -> None:
    # "everything urgent": make them all urgent, or list the urgent ones? Neither is guessed.
    for said in ("everything urgent", "both tomorrow", "all of them p1"):
        outcome = await outcome_of(case(said))

        assert outcome.calls == [], said
        assert outcome.answer.endswith("?"), said


async def test_a_removed_field_is_said_as_removed() -> None:
    outcome = await outcome_of(case("remove the due date from task 4"))

    assert outcome.answer == 'Updated task 4 "Pay rent": no due date.'


async def test_tagging_several_numbered_tasks_keeps_the_tags_each_has() -> None:
    outcome = await outcome_of(case("tag tasks 1 and 2 as errands"))

    assert outcome.writes == [
        ("update_task", {"task_id": 1, "tags": ["shopping", "errands"]}),
        ("update_task", {"task_id": 2, "tags": ["work", "errands"]}),
    ]


async def test_tags_of_a_task_the_lookup_did_not_return_are_left_alone() -> None:
    # update_task replaces the list: without the task's tags, a tag added would drop them.
    outcome = await outcome_of(case("tag task 9 as work"))

    assert outcome.writes == []
    assert outcome.answer == "I couldn't find task 9 among your tasks, so I changed nothing."
