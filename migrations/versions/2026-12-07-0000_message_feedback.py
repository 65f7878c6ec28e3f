"""Feedback on answers: a person's thumbs up or down (ChatKit's `items.feedback`).

Revision ID: 0008_message_feedback
Revises: 0008_message_versions
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_message_feedback"
down_revision: str | None = "0008_message_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: no feedback given (and user messages, which take none).
    op.add_column("messages", sa.Column("feedback", sa.String(8), nullable=True))
    op.create_check_constraint(
        "ck_messages_feedback", "messages", "feedback IN ('positive', 'negative')"
    )


def downgrade() -> None:
    op.drop_constraint("ck_messages_feedback", "messages", type_="check")
    op.drop_column("messages", "feedback")
