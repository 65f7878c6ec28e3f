"""Many conversations at once, written straight into the database (for searches and the
page's history, where only reads run)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SEED = text(
    """
    WITH made AS (
        INSERT INTO conversations (user_id, number, title, last_message_number,
                                   created_at, updated_at)
        SELECT :owner, n, CAST(:title AS text) || ' ' || n, 2, moment, moment
        FROM generate_series(1, CAST(:count AS int)) n,
             LATERAL (SELECT CAST(:latest AS timestamptz)
                             - (CAST(:count AS int) - n) * CAST(:step AS interval)) t(moment)
        RETURNING pk, number
    )
    INSERT INTO messages (conversation_pk, number, role, content)
    SELECT pk, m, CASE m WHEN 1 THEN 'user' ELSE 'assistant' END,
           CASE m WHEN 1 THEN CAST(:asked AS text) || ' ' || number
                  ELSE CAST(:answer AS text) END
    FROM made, generate_series(1, 2) m
    """
)


async def seed(
    engine: AsyncEngine,
    owner: str,
    count: int,
    title: str,
    asked: str,
    answer: str,
    *,
    latest: datetime | None = None,
    step: timedelta = timedelta(minutes=1),
) -> None:
    """`count` conversations numbered 1..count, the last one changed at `latest` (now by
    default) and each earlier one `step` before the next; each holds a question (ending in
    its number) and an answer. Written directly: only reads run."""
    params = {"owner": owner, "count": count, "title": title, "asked": asked, "answer": answer,
              "latest": latest or datetime.now(UTC), "step": step}  # fmt: skip
    async with engine.begin() as connection:
        await connection.execute(SEED, params)
        await connection.execute(text("ANALYZE conversations"))
        await connection.execute(text("ANALYZE messages"))
