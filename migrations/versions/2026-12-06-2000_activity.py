"""Activity: the record of every task change, for "what changed" and undo.

Revision ID: 0007_activity
Revises: 0006_richer_tasks
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_activity"
down_revision: str | None = "0006_richer_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("pk", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("conversation_number", sa.Integer(), nullable=True),
        sa.Column("message_number", sa.Integer(), nullable=True),
        sa.Column("batch", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("task_number", sa.Integer(), nullable=False),
        sa.Column("before", postgresql.JSONB(), nullable=True),
        sa.Column("after", postgresql.JSONB(), nullable=True),
        sa.Column("undo_of", sa.Integer(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name="pk_activity"),
        sa.UniqueConstraint("user_id", "number", name="uq_activity_user_id_number"),
    )
    op.create_index(
        "ix_activity_user_id_task_number_number", "activity", ["user_id", "task_number", "number"]
    )
    op.create_index(
        "ix_activity_user_id_conversation_number_number",
        "activity",
        ["user_id", "conversation_number", "number"],
    )
    op.create_index("ix_activity_batch", "activity", ["batch"])
    op.create_index("ix_activity_at", "activity", ["at"])


def downgrade() -> None:
    op.drop_table("activity")
