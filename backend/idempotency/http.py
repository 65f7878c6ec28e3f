"""The Idempotency-Key header and replayed responses."""

from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse

from backend.fields import IdempotencyKeyText
from backend.idempotency.store import StoredResponse

IdempotencyKeyHeader = Annotated[
    IdempotencyKeyText | None,
    Header(
        description=(
            "Makes a retry safe: the same key and body within 24 h returns the first "
            "response without doing the work again (scoped to the user, ≤255 characters)."
        )
    ),
]
REPLAYED_HEADER = "Idempotent-Replayed"


def replayed(stored: StoredResponse) -> JSONResponse:
    return JSONResponse(stored.body, status_code=stored.status, headers={REPLAYED_HEADER: "true"})
