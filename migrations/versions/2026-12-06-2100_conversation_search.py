"""Trigram indexes serving the conversation search (`q` is ILIKE '%…%' on titles and on the
messages' text).

Without them a search reads and pattern-matches every message of every conversation of the
user; with them only the rows holding the query's trigrams are checked (docs/limits.md,
"Search").

Revision ID: 0007_conversation_search
Revises: 0007_message_usage
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_conversation_search"
down_revision: str | None = "0007_message_usage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_index(
        "ix_conversations_search",
        "conversations",
        ["user_id", "title"],
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
    )
    op.create_index(
        "ix_messages_search",
        "messages",
        ["content"],
        postgresql_using="gin",
        postgresql_ops={"content": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
    )


def downgrade() -> None:
    op.drop_index("ix_messages_search", table_name="messages")
    op.drop_index("ix_conversations_search", table_name="conversations")
