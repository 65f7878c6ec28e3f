"""Confirmation: runs paused for the person's decision, and the decisions.

`paused_runs` keeps a paused chat run's serialized state (one per conversation at most);
`approvals` keeps each tool call that waited and what the person decided.
`messages.status` widens for "awaiting_approval".

Revision ID: 0007_approvals
Revises: 0007_activity
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_approvals"
down_revision: str | None = "0007_activity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("messages", "status", type_=sa.String(24), existing_nullable=True)
    op.create_table(
        "paused_runs",
        sa.Column("conversation_pk", sa.BigInteger(), nullable=False),
        sa.Column("message_number", sa.Integer(), nullable=False),
        sa.Column("user_message_number", sa.Integer(), nullable=False),
        sa.Column("state", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("timezone", sa.String(64), server_default="UTC", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_pk"],
            ["conversations.pk"],
            name=op.f("fk_paused_runs_conversation_pk_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_pk", name=op.f("pk_paused_runs")),
    )
    op.create_table(
        "approvals",
        sa.Column("pk", sa.BigInteger(), nullable=False),
        sa.Column("conversation_pk", sa.BigInteger(), nullable=False),
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("arguments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_pk"],
            ["conversations.pk"],
            name=op.f("fk_approvals_conversation_pk_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_approvals")),
        sa.UniqueConstraint(
            "conversation_pk", "call_id", name=op.f("uq_approvals_conversation_pk_call_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("approvals")
    op.drop_table("paused_runs")
    op.execute("UPDATE messages SET status = 'completed' WHERE status = 'awaiting_approval'")
    op.alter_column("messages", "status", type_=sa.String(16), existing_nullable=True)
