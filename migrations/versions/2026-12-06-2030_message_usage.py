"""Usage on assistant messages: what the turn's model calls reported.

Revision ID: 0007_message_usage
Revises: 0007_server_beats
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_message_usage"
down_revision: str | None = "0007_server_beats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: user messages, and answers stored before usage was kept, have none.
    op.add_column("messages", sa.Column("usage", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "usage")
