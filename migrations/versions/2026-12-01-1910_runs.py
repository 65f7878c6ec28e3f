"""Runs: an assistant message's status, and the run claim's liveness mark.

`messages.status` is "completed" or "stopped" on assistant messages, NULL on user messages.
`conversations.active_run_started_at` becomes `active_run_seen_at`: the process that owns a
run refreshes it while the run lives, so a claim goes stale only once its owner is gone.

Revision ID: 0004_runs
Revises: 0002_idempotency_keys
Create Date: 2026-12-01 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_runs"
down_revision: str | None = "0002_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("status", sa.String(16), nullable=True))
    op.execute("UPDATE messages SET status = 'completed' WHERE role = 'assistant'")
    op.alter_column("conversations", "active_run_started_at", new_column_name="active_run_seen_at")


def downgrade() -> None:
    op.alter_column("conversations", "active_run_seen_at", new_column_name="active_run_started_at")
    op.drop_column("messages", "status")
