"""Liveness and readiness (docs/api.md §10); no auth."""

import asyncio

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from backend.db.engine import DATABASE_DOWN
from backend.deps import ServicesDep
from backend.http.errors import (
    DATABASE_RETRY_AFTER,
    BrokerUnavailable,
    DatabaseUnavailable,
    responses,
)

router = APIRouter(tags=["operations"])


class HealthStatus(BaseModel):
    status: str


@router.get("/healthz", summary="The process is up")
async def healthz() -> HealthStatus:
    return HealthStatus(status="ok")


@router.get(
    "/readyz",
    summary="The database and the broker answer",
    responses=responses(DatabaseUnavailable, BrokerUnavailable),
)
async def readyz(services: ServicesDep) -> HealthStatus:
    try:
        async with asyncio.timeout(2.0), services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (TimeoutError, *DATABASE_DOWN):
        raise DatabaseUnavailable(headers={"Retry-After": DATABASE_RETRY_AFTER}) from None
    if not await services.broker.ready():
        raise BrokerUnavailable()
    return HealthStatus(status="ready")
