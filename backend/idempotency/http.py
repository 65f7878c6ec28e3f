"""The Idempotency-Key header and replayed responses."""

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from backend.fields import IdempotencyKeyText
from backend.idempotency.store import StoredResponse

REPLAYED_HEADER = "Idempotent-Replayed"


async def _one_idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        IdempotencyKeyText | None,
        Header(
            description=(
                "Makes a retry safe: the same key and body within 24 h returns the first "
                "response without doing the work again (scoped to the user, ≤255 characters, "
                "sent once)."
            )
        ),
    ] = None,
) -> str | None:
    # FastAPI would keep the first of two keys: which one the client meant is unknowable.
    if len(request.headers.getlist("idempotency-key")) > 1:
        issue = {"type": "duplicate_header", "loc": ("header", "idempotency-key")}
        raise RequestValidationError([{**issue, "msg": "Send the Idempotency-Key header once."}])
    return idempotency_key


IdempotencyKeyHeader = Annotated[str | None, Depends(_one_idempotency_key)]


def replayed(stored: StoredResponse) -> JSONResponse:
    return JSONResponse(stored.body, status_code=stored.status, headers={REPLAYED_HEADER: "true"})
