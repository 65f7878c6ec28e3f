"""Message versions: a regenerated answer or an edited message is a new message beside the
one it replaces (the same parent), and the conversation shows, and the model reads, the
chosen branch only.

`parent_number` is the message this one follows (null for a first message); `chosen` marks
the messages of the branch on screen. History is then one index range, `(conversation_pk,
number) WHERE chosen`; the parent index finds a message's versions and children.

Revision ID: 0008_message_versions
Revises: 0007_conversation_search
Create Date: 2026-12-06 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_message_versions"
down_revision: str | None = "0007_conversation_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("parent_number", sa.Integer(), nullable=True))
    op.add_column(
        "messages",
        sa.Column("chosen", sa.Boolean(), nullable=False, server_default=sa.text("true")),
    )
    # Every stored conversation is one line: each message follows the one before it.
    op.execute(
        """
        UPDATE messages AS m SET parent_number = p.before
        FROM (
            SELECT pk, lag(number) OVER (PARTITION BY conversation_pk ORDER BY number) AS before
            FROM messages
        ) AS p
        WHERE p.pk = m.pk AND p.before IS NOT NULL
        """
    )
    op.create_index(
        "ix_messages_chosen",
        "messages",
        ["conversation_pk", "number"],
        postgresql_where=sa.text("chosen"),
    )
    op.create_index("ix_messages_parent", "messages", ["conversation_pk", "parent_number"])


def downgrade() -> None:
    # Without versions only the chosen branch is a conversation: the others would otherwise
    # come back as ordinary messages, in the list and in the model's history.
    op.execute("DELETE FROM messages WHERE NOT chosen")
    op.drop_index("ix_messages_parent", table_name="messages")
    op.drop_index("ix_messages_chosen", table_name="messages")
    op.drop_column("messages", "chosen")
    op.drop_column("messages", "parent_number")
