"""Server beats: one liveness row per server process, claims naming their server, and the
error of an answer that failed.

`servers` holds each running process's beat (refreshed every few seconds by one task per
process). A conversation's claim names the server running it (`active_run_server`); a claim
whose server stopped beating is taken over by another server (docs/runs.md).
`messages.error` is `{"code", "detail"}` on an assistant message stored with status "failed".

Revision ID: 0007_server_beats
Revises: 0007_approvals
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_server_beats"
down_revision: str | None = "0007_approvals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "servers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "beat_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_servers")),
    )
    op.add_column("conversations", sa.Column("active_run_server", sa.Uuid(), nullable=True))
    op.create_index(
        "ix_conversations_active_run_server",
        "conversations",
        ["active_run_server"],
        postgresql_where=sa.text("active_run_server IS NOT NULL"),
    )
    op.add_column("messages", sa.Column("error", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "error")
    op.drop_index("ix_conversations_active_run_server", table_name="conversations")
    op.drop_column("conversations", "active_run_server")
    op.drop_table("servers")
