"""Per-user numbering (tasks, conversations): one atomic upsert, safe under concurrency."""

from sqlalchemy import CTE, BindParameter
from sqlalchemy.dialects.postgresql import insert

from backend.db.models import user_sequences as table


def next_number(user_id: str | BindParameter[str], kind: str) -> CTE:
    """A CTE yielding `last_value`, the next number of `kind` for `user_id`.

    The upsert takes a row lock, so concurrent creates for one user queue on it and every
    number is handed out once; deleted rows never give their number back.
    """
    statement = (
        insert(table)
        .values(user_id=user_id, kind=kind, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.kind],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    return statement.cte(f"next_{kind}_number")
