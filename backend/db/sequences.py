"""Per-user numbering (tasks, conversations): one atomic upsert, safe under concurrency."""

from sqlalchemy import CTE, BindParameter, ColumnElement
from sqlalchemy.dialects.postgresql import insert

from backend.db.models import user_sequences as table


def next_number(
    user_id: str | BindParameter[str], kind: str, *, only_if: ColumnElement[bool] | None = None
) -> CTE:
    """A CTE yielding `last_value`, the next number of `kind` for `user_id`.

    The upsert takes a row lock, so concurrent creates for one user queue on it and every
    number is handed out once; deleted rows never give their number back. With `only_if`,
    a user who already has a number gets the next one only when it holds (else the CTE is
    empty and no number is used up).
    """
    statement = (
        insert(table)
        .values(user_id=user_id, kind=kind, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.kind],
            set_={"last_value": table.c.last_value + 1},
            where=only_if,
        )
        .returning(table.c.last_value)
    )
    return statement.cte(f"next_{kind}_number")
