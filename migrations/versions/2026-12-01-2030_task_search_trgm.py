"""A trigram index serving the task search (`q` is ILIKE '%…%' on title and description).

Without it every search reads and pattern-matches each of the user's rows; with it only the
rows holding the query's trigrams are checked (docs/limits.md, "Search").

Revision ID: 0005_task_search_trgm
Revises: 0004_runs
Create Date: 2026-12-01 20:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_task_search_trgm"
down_revision: str | None = "0004_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_tasks_search"


def upgrade() -> None:
    # Trusted extensions (PostgreSQL 13+): the database's owner may create them. btree_gin
    # lets one GIN index hold the owner with the trigrams, so a search reads only the
    # owner's rows that hold the query's trigrams (docs/limits.md, "Search"). No pending
    # list (fastupdate off): a search never scans recent rows linearly, and the planner
    # picks the index even on a small table.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_index(
        INDEX,
        "tasks",
        ["user_id", "title", "description"],
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops", "description": "gin_trgm_ops"},
        postgresql_with={"fastupdate": "off"},
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="tasks")
    # The extensions stay: other schemas in the database may use them.
