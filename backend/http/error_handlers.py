"""One exception handler per family, one JSON shape (docs/api.md §5). Nothing internal leaks."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from backend.db.engine import DATABASE_DOWN, database_unavailable
from backend.http.errors import (
    DATABASE_RETRY_AFTER,
    AppError,
    BrokerUnavailable,
    DatabaseUnavailable,
    InvalidRequest,
)
from backend.metrics.collectors import BROKER_ERRORS, DATABASE_ERRORS

log = logging.getLogger(__name__)


def error_response(error: AppError) -> JSONResponse:
    return JSONResponse(
        {"detail": error.detail, "code": error.code, **error.extra},
        status_code=error.status_code,
        headers=error.headers,
    )


async def _app_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AppError)
    if isinstance(error, BrokerUnavailable):
        BROKER_ERRORS.inc()
    return error_response(error)


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    # Never echo the rejected input: it may not even be encodable (lone surrogates).
    details = [
        {"type": e.get("type"), "loc": list(e.get("loc", ())), "msg": e.get("msg")}
        for e in error.errors()
    ]
    return _invalid(jsonable_encoder(details))


def _invalid(details: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(
        {"detail": details, "code": InvalidRequest.code}, status_code=InvalidRequest.status_code
    )


ROUTE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Codes for the errors Starlette and FastAPI raise themselves (unknown route, wrong method…).
HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    if error.status_code == 400 and error.__cause__ is not None:
        # FastAPI answers a body its JSON parser gave up on with a 400 of its own: to a client
        # it is invalid JSON like any other, so it gets the same documented 422.
        return _invalid([{"type": "json_invalid", "loc": ["body"], "msg": _unreadable(error)}])
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return JSONResponse(
        {"detail": str(error.detail), "code": HTTP_CODES.get(error.status_code, "http_error")},
        status_code=error.status_code,
        headers=headers,
    )


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path, HEAD wherever GET is: FastAPI makes one
    route per method, and the 405 it raises names the first one's only."""
    # A mounted app (the MCP endpoint) matches whole prefixes, whatever the method.
    routes = [r for r in request.app.router.routes if not isinstance(r, Mount)]
    served = [
        method
        for method in ROUTE_METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]
    if "GET" in served:
        served.append("HEAD")
    return ", ".join(sorted(served))


def _unreadable(error: HTTPException) -> str:
    if isinstance(error.__cause__, UnicodeDecodeError):
        return "The body is not UTF-8."
    return "The body is not JSON this server reads (nested too deeply, or a number too long)."


async def _database_down(_: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(error).__name__)
    DATABASE_ERRORS.inc()
    return error_response(DatabaseUnavailable(headers={"Retry-After": DATABASE_RETRY_AFTER}))


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    if database_unavailable(error):
        return await _database_down(request, error)
    # Logged by kind only: a driver's message can quote the statement's parameters (asyncpg's
    # "invalid input for query argument $2: datetime.datetime(9999, …)"), and its traceback
    # would carry them into the log whatever `hide_parameters` says.
    original = getattr(error, "orig", None)
    log.error(
        "database error: %s (%s, SQLSTATE %s)",
        type(error).__name__,
        type(original).__name__,
        getattr(original, "sqlstate", None) or getattr(original, "pgcode", None),
    )
    return error_response(AppError())


async def _unexpected(_: Request, error: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=error)
    return error_response(AppError())


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for family in DATABASE_DOWN:
        app.add_exception_handler(family, _database_down)
    app.add_exception_handler(sa_exc.DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
