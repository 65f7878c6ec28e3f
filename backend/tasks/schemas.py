"""Task request and response bodies (docs/api.md §6 and §18; the rules in docs/tasks.md)."""

from dataclasses import asdict
from datetime import datetime
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from backend.fields import Flag, Moment, TaskDescription, TaskTags, TaskTitle, TimeZoneName
from backend.tasks.recurrence import Recurrence
from backend.tasks.store import Priority, TaskRecord


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _needs_due_at(recurrence: Recurrence | None, info: ValidationInfo) -> Recurrence | None:
    if recurrence is not None and info.data.get("due_at") is None:
        raise PydanticCustomError("recurrence_needs_due_at", "a recurring task needs a due_at")
    return recurrence


class TaskCreate(StrictBody):
    """A whole task (POST, and PUT below); omitted fields take their default."""

    title: TaskTitle
    description: TaskDescription | None = None
    priority: Priority | None = None
    tags: TaskTags = []
    due_at: Moment | None = None
    recurrence: Recurrence | None = None
    remind_at: Moment | None = None
    # The zone whose calendar a recurrence follows; kept as it was when omitted.
    timezone: TimeZoneName | None = None

    _recurrence_needs_due_at = field_validator("recurrence")(_needs_due_at)

    def fields(self) -> dict[str, Any]:
        """The store's keyword arguments."""
        values = self.model_dump(exclude={"timezone", "completed"})
        if self.timezone is not None:
            values["time_zone"] = self.timezone
        return values


class TaskReplace(TaskCreate):
    """PUT: every field is replaced (an omitted one is cleared); `completed` and `timezone`
    change only when given."""

    completed: Flag | None = None

    def fields(self) -> dict[str, Any]:
        values = super().fields()
        if self.completed is not None:
            values["completed"] = self.completed
        return values


class TaskPatch(StrictBody):
    """PATCH: only the fields present change; `null` clears the nullable ones, while
    `title`, `completed`, `tags` and `timezone` may be left out but not be null."""

    title: TaskTitle | SkipJsonSchema[None] = None
    description: TaskDescription | None = None
    completed: Flag | SkipJsonSchema[None] = None
    priority: Priority | None = None
    tags: TaskTags | SkipJsonSchema[None] = None
    due_at: Moment | None = None
    recurrence: Recurrence | None = None
    remind_at: Moment | None = None
    timezone: TimeZoneName | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        for name in ("title", "completed", "tags", "timezone"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def fields(self) -> dict[str, Any]:
        values = self.model_dump(exclude_unset=True, exclude={"timezone"})
        if self.timezone is not None:
            values["time_zone"] = self.timezone
        return values


class TaskOut(BaseModel):
    id: int
    title: str
    description: str | None
    completed: bool
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    priority: Priority | None
    tags: list[str]
    due_at: datetime | None
    recurrence: Recurrence | None
    remind_at: datetime | None

    @classmethod
    def of(cls, record: TaskRecord) -> Self:
        return cls.model_validate({"id": record.number, **asdict(record)})


class ChangedTaskOut(TaskOut):
    """A task after PUT or PATCH: `next_task_id` is the occurrence that completing a
    recurring task created, else null."""

    next_task_id: int | None


class TaskList(BaseModel):
    tasks: list[TaskOut]
    total: int


class TagCount(BaseModel):
    name: str
    count: int


class TagList(BaseModel):
    tags: list[TagCount]
