"""Tool calls as a person reads them in ChatKit (one workflow task per call)."""

from backend.chatkit import steps


def test_a_change_names_the_task_and_what_happened() -> None:
    added = steps.finished("add_task", {"task_id": 3, "status": "created", "title": "Milk"}, False)
    recurring = steps.finished(
        "complete_task",
        {"task_id": 4, "status": "completed", "title": "Rent", "next_task_id": 5},
        False,
    )
    assert (added.title, added.status_indicator) == ("Task 3 created: Milk", "complete")
    assert recurring.title == "Task 4 completed: Rent (next: task 5)"


def test_a_list_shows_its_tasks_with_their_state() -> None:
    tasks = [{"id": 1, "title": "Milk", "completed": True}, {"id": 2, "title": "Bills"}]
    listed = steps.finished("list_tasks", {"tasks": tasks, "count": 2}, False)
    assert (listed.title, listed.content) == ("2 tasks found", "- ✓ 1. Milk\n- ○ 2. Bills")
    nothing = steps.finished("list_tasks", {"tasks": [], "count": 0}, False)
    assert (nothing.title, nothing.content) == ("0 tasks found", None)


def test_an_error_is_the_tools_own_sentence_and_a_running_call_says_what_it_does() -> None:
    failed = steps.finished("complete_task", "Task 9 was not found.", True)
    assert (failed.title, failed.icon) == ("Task 9 was not found.", "info")
    running = steps.running("delete_task")
    assert (running.title, running.status_indicator) == ("Deleting a task…", "loading")
    # A tool this list does not know is said in words, never by its identifier.
    assert steps.running("mystery").title == "Working on your tasks…"
    assert steps.summary([running, failed]) == "2 task actions"
