"""The richer task fields through the offline model: what it sends, and what it keeps."""

from tests.agent.models.task_fake import TaskFake
from tests.agent.models.test_offline_several import run


def tagged(title: str, *tags: str) -> TaskFake:
    tasks = TaskFake()
    tasks.seed(title, tags=list(tags))
    return tasks


async def test_tagging_a_numbered_task_keeps_its_tags() -> None:
    tasks = tagged("Buy milk", "shopping")

    turn = await run(tasks, "tag task 1 as urgent")

    assert turn.calls == [
        ("list_tasks", {"status": "all"}),
        ("update_task", {"task_id": 1, "tags": ["shopping", "urgent"]}),
    ]
    assert tasks.tasks[1]["tags"] == ["shopping", "urgent"]
    assert turn.text == 'Updated task 1 "Buy milk": tags shopping, urgent.'


async def test_tagging_a_named_task_keeps_its_tags_from_the_lookup() -> None:
    tasks = tagged("Buy milk", "shopping")

    turn = await run(tasks, "tag the milk task with dairy")

    assert turn.calls[-1] == ("update_task", {"task_id": 1, "tags": ["shopping", "dairy"]})
    assert len(turn.calls) == 2


async def test_a_priority_change_needs_no_lookup() -> None:
    tasks = tagged("Buy milk", "shopping")

    turn = await run(tasks, "make task 1 high priority")

    assert turn.calls == [("update_task", {"task_id": 1, "priority": "high"})]
    assert tasks.tasks[1]["tags"] == ["shopping"]
