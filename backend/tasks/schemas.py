"""Task request and response bodies (docs/api.md §6)."""

from dataclasses import asdict
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.json_schema import SkipJsonSchema

from backend.fields import Flag, TaskDescription, TaskTitle
from backend.tasks.store import TaskRecord


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskCreate(StrictBody):
    title: TaskTitle
    description: TaskDescription | None = None


class TaskReplace(TaskCreate):
    """PUT: title and description are replaced (an omitted description clears it);
    `completed` changes only when given."""

    completed: Flag | None = None


class TaskPatch(StrictBody):
    """PATCH: only the fields present change; `description: null` clears it, while
    `title` and `completed` may be left out but not be null."""

    title: TaskTitle | SkipJsonSchema[None] = None
    description: TaskDescription | None = None
    completed: Flag | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _no_null_title_or_completed(self) -> Self:
        for name in ("title", "completed"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TaskOut(BaseModel):
    id: int
    title: str
    description: str | None
    completed: bool
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, record: TaskRecord) -> "TaskOut":
        return cls.model_validate({"id": record.number, **asdict(record)})


class TaskList(BaseModel):
    tasks: list[TaskOut]
    total: int
