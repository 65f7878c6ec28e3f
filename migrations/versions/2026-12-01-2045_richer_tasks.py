"""Richer tasks: priority, tags, due date, recurrence and its time zone, reminders.

Revision ID: 0006_richer_tasks
Revises: 0005_task_search_trgm
Create Date: 2026-12-01 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_richer_tasks"
down_revision: str | None = "0005_task_search_trgm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    "ck_tasks_priority_rank": "priority BETWEEN 1 AND 3",
    "ck_tasks_recurrence_rule": "recurrence IN ('daily', 'weekdays', 'weekly', 'monthly')",
    "ck_tasks_recurrence_needs_due_at": "recurrence IS NULL OR due_at IS NOT NULL",
}


def upgrade() -> None:
    # Every new column is nullable or has a default: existing rows stay as they were.
    op.add_column("tasks", sa.Column("priority", sa.SmallInteger(), nullable=True))
    op.add_column(
        "tasks",
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.String(30)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
    )
    op.add_column("tasks", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("recurrence", sa.String(8), nullable=True))
    op.add_column(
        "tasks", sa.Column("time_zone", sa.String(64), server_default="UTC", nullable=False)
    )
    op.add_column("tasks", sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    for name, condition in CHECKS.items():
        op.create_check_constraint(name, "tasks", condition)
    op.create_index("ix_tasks_user_id_due_at", "tasks", ["user_id", "due_at"])
    op.create_index(
        "ix_tasks_remind_at_unsent",
        "tasks",
        ["remind_at"],
        postgresql_where=sa.text("NOT completed AND reminded_at IS DISTINCT FROM remind_at"),
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_remind_at_unsent", table_name="tasks")
    op.drop_index("ix_tasks_user_id_due_at", table_name="tasks")
    for name in CHECKS:
        op.drop_constraint(name, "tasks", type_="check")
    for column in (
        "reminded_at",
        "remind_at",
        "time_zone",
        "recurrence",
        "due_at",
        "tags",
        "priority",
    ):
        op.drop_column("tasks", column)
