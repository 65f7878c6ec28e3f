"""An in-memory task list behind tools named and shaped like docs/api.md's (with the richer
fields), taking any arguments: the offline model's decisions are judged by the calls it makes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agents import FunctionTool, RunContextWrapper

TOOL_NAMES = ("add_task", "list_tasks", "complete_task", "delete_task", "update_task")


@dataclass
class TaskFake:
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def seed(
        self,
        title: str,
        *,
        completed: bool = False,
        tags: list[str] | None = None,
        priority: str | None = None,
    ) -> int:
        task_id = max(self.tasks, default=0) + 1
        self.tasks[task_id] = {
            "id": task_id,
            "title": title,
            "description": None,
            "completed": completed,
            "priority": priority,
            "tags": list(tags or []),
            "due_at": None,
            "recurrence": None,
            "remind_at": None,
        }
        return task_id

    def tools(self) -> list[FunctionTool]:
        return [self._tool(name) for name in TOOL_NAMES]

    def _tool(self, name: str) -> FunctionTool:
        async def invoke(context: RunContextWrapper[Any], raw: str) -> str:
            arguments = json.loads(raw or "{}")
            self.calls.append((name, arguments))
            return json.dumps(getattr(self, name)(**arguments))

        return FunctionTool(
            name=name,
            description=name,
            params_json_schema={"type": "object", "properties": {}},
            on_invoke_tool=invoke,
            strict_json_schema=False,
        )

    def add_task(self, title: str, **fields: Any) -> dict[str, Any]:
        task_id = self.seed(title)
        self.tasks[task_id].update(fields)
        return {"task_id": task_id, "status": "created", "title": title}

    def list_tasks(
        self,
        status: str = "all",
        query: str | None = None,
        tag: str | None = None,
        priority: str | None = None,
        overdue: bool = False,
        **ignored: Any,
    ) -> dict[str, Any] | str:
        wanted = {"all": (True, False), "pending": (False,), "completed": (True,)}[status]
        found = [
            task
            for task in self.tasks.values()
            if task["completed"] in wanted
            and (query is None or query.casefold() in task["title"].casefold())
            and (tag is None or tag in task["tags"])
            and (priority is None or task["priority"] == priority)
            and not (overdue and task["due_at"] is None)
        ]
        return {"tasks": found, "count": len(found)}

    def complete_task(self, task_id: int) -> dict[str, Any] | str:
        if task_id not in self.tasks:
            return f"Task {task_id} was not found."
        self.tasks[task_id]["completed"] = True
        return self._action(task_id, "completed")

    def delete_task(self, task_id: int) -> dict[str, Any] | str:
        if task_id not in self.tasks:
            return f"Task {task_id} was not found."
        result = self._action(task_id, "deleted")
        del self.tasks[task_id]
        return result

    def update_task(self, task_id: int, **changes: Any) -> dict[str, Any] | str:
        if task_id not in self.tasks:
            return f"Task {task_id} was not found."
        self.tasks[task_id].update(changes)
        return self._action(task_id, "updated")

    def _action(self, task_id: int, status: str) -> dict[str, Any]:
        return {"task_id": task_id, "status": status, "title": self.tasks[task_id]["title"]}
