"""Idempotency keys (Stripe / IETF draft semantics), stored per user in PostgreSQL."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import idempotency_keys as _keys
from backend.http.errors import IdempotencyInProgress, IdempotencyKeyReused

KEY_TTL = timedelta(hours=24)
# A key still "in progress" after this long belongs to a request that died with its server
# (or whose release failed with the database): a retry of the same request takes it over.
KEY_STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


def request_hash(route: str, body: dict[str, Any]) -> str:
    canonical = json.dumps([route, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    def __init__(self, session: AsyncSession, owner: str) -> None:
        self._session = session
        self._owner = owner

    def _mine(self, key: str) -> Any:
        return and_(_keys.c.user_id == self._owner, _keys.c.key == key)

    async def claim(
        self,
        key: str,
        digest: str,
        ttl: timedelta = KEY_TTL,
        stale_after: timedelta = KEY_STALE_AFTER,
    ) -> StoredResponse | None:
        """None: this request now owns the key and must run. Otherwise the stored response.

        A key whose first request is still running is a 409; one used with another body a 422.
        Concurrent claims of one key queue on its unique index, so exactly one wins.
        """
        for _ in range(2):
            if await self._insert_or_take_over(key, digest, ttl, stale_after):
                return None
            row = (
                await self._session.execute(
                    select(
                        _keys.c.request_hash, _keys.c.response_status, _keys.c.response_body
                    ).where(self._mine(key))
                )
            ).first()
            if row is None:  # released between our two statements: try again
                continue
            if row.request_hash != digest:
                raise IdempotencyKeyReused()
            if row.response_status is None:
                raise IdempotencyInProgress()
            return StoredResponse(row.response_status, row.response_body)
        raise IdempotencyInProgress()

    async def _insert_or_take_over(
        self, key: str, digest: str, ttl: timedelta, stale_after: timedelta
    ) -> bool:
        row = insert(_keys).values(
            user_id=self._owner, key=key, request_hash=digest, expires_at=func.now() + ttl
        )
        statement = row.on_conflict_do_update(
            index_elements=[_keys.c.user_id, _keys.c.key],
            set_={
                "request_hash": row.excluded.request_hash,
                "response_status": None,
                "response_body": None,
                "created_at": func.now(),
                "expires_at": row.excluded.expires_at,
            },
            where=or_(
                _keys.c.expires_at < func.now(),
                and_(
                    _keys.c.response_status.is_(None),
                    _keys.c.request_hash == row.excluded.request_hash,
                    _keys.c.created_at < func.now() - stale_after,
                ),
            ),
        ).returning(_keys.c.pk)
        return (await self._session.scalar(statement)) is not None

    async def complete(self, key: str, status: int, body: dict[str, Any]) -> None:
        await self._session.execute(
            update(_keys)
            .where(self._mine(key), _keys.c.response_status.is_(None))
            .values(response_status=status, response_body=body)
        )

    async def release(self, key: str) -> None:
        """Forget a key whose request did not finish, so that a retry can run."""
        await self._session.execute(
            delete(_keys).where(self._mine(key), _keys.c.response_status.is_(None))
        )
