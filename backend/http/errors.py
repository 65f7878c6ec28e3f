"""The one error base: every expected failure carries its HTTP status and machine code."""

from pydantic import BaseModel


class ErrorBody(BaseModel):
    detail: str
    code: str


class ValidationIssue(BaseModel):
    type: str
    loc: list[str | int]
    msg: str


class UnprocessableBody(BaseModel):
    """A 422 is an invalid request (`detail` lists the issues, code `validation_error`) or an
    expected error of the route (`detail` is a sentence)."""

    detail: str | list[ValidationIssue]
    code: str


class AppError(Exception):
    status_code = 500
    code = "internal_error"
    detail = "Something went wrong on our side."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(detail or self.detail)
        if detail is not None:
            self.detail = detail
        self.headers = headers or {}
        # Fields the body carries besides detail and code (e.g. which entry conflicts).
        self.extra: dict[str, object] = {}


class InvalidRequest(AppError):
    """FastAPI's request validation, as error_handlers answers it (and the OpenAPI shows it)."""

    status_code = 422
    code = "validation_error"
    detail = "The request is invalid; `detail` lists each problem."


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"
    detail = "A valid bearer token is required."

    def __init__(self, detail: str | None = None):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    detail = "The user in the path does not match the token."


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    detail = "Not found."


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    detail = "The request conflicts with one still in progress."


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"
    detail = "The request body is too large."


# Seconds a client is asked to wait before retrying while the database is unavailable.
DATABASE_RETRY_AFTER = "2"


class DatabaseUnavailable(AppError):
    status_code = 503
    code = "database_unavailable"
    detail = "The database is unavailable right now; please retry shortly."


class BrokerUnavailable(AppError):
    status_code = 503
    code = "broker_unavailable"
    detail = "Part of the server is unavailable right now; please retry shortly."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "2"})


def responses(*errors: type[AppError]) -> dict[int | str, dict[str, object]]:
    """OpenAPI `responses=` entries for the errors a route can return (errors sharing a
    status share an entry)."""
    entries: dict[int | str, dict[str, object]] = {}
    for e in errors:
        entry = entries.setdefault(
            e.status_code,
            {"model": UnprocessableBody if e.status_code == 422 else ErrorBody, "description": ""},
        )
        entry["description"] = f"{entry['description']} {e.detail}".strip()
    return entries


class TaskNotFound(NotFound):
    code = "task_not_found"
    detail = "Task not found."


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
    detail = "Conversation not found."


class ConversationBusy(Conflict):
    code = "conversation_busy"
    detail = "This conversation is still answering a previous message; retry when it is done."

    def __init__(self, retry_after_seconds: int = 2) -> None:
        super().__init__(headers={"Retry-After": str(retry_after_seconds)})


class MessageNotRetryable(NotFound):
    code = "message_not_found"
    detail = "Only your last message in this conversation can be retried."


class ConversationRunning(Conflict):
    code = "conversation_running"
    detail = (
        "This conversation is answering a message; stop it first"
        " (POST .../conversations/{id}/stop) or wait until it is done."
    )

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "2"})


class IdempotencyKeyReused(AppError):
    status_code = 422
    code = "idempotency_key_reused"
    detail = "This Idempotency-Key was already used with a different request."


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    detail = "A request with this Idempotency-Key is still running; retry when it is done."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "1"})


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"
    detail = "Too many chat messages; please wait a moment."

    def __init__(self, retry_after_seconds: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_seconds)})


class TooManyApiRequests(TooManyRequests):
    detail = "Too many requests for this user; retry after Retry-After seconds."


class TaskLimitReached(Conflict):
    code = "task_limit_reached"
    detail = "This user has the most tasks allowed; delete some to add more."


class SearchTimedOut(AppError):
    status_code = 503
    code = "search_timed_out"
    detail = "This search took too long; try fewer repeated characters, or retry shortly."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "5"})


class TooManyOpenStreams(TooManyRequests):
    code = "too_many_open_streams"
    detail = "Too many streams are open for this user (live feeds and attached answers)."

    def __init__(self, per_user: int) -> None:
        super().__init__(
            5,
            f"Too many streams are open for this user (at most {per_user} live feeds and "
            "attached answers at once); close one, such as another tab, and retry.",
        )
        # Nothing more is due on the connection before Retry-After, past the keep-alive
        # timeout: closed at once, a burst of refusals is not left open to close all together
        # 5 s later (1,480 of them, in a burst of 1,500).
        self.headers["Connection"] = "close"


class SearchBusy(SearchTimedOut):
    """A search refused because another of the user's searches is still running (a subclass
    of SearchTimedOut, so every surface that reports one reports the other)."""

    status_code = 429
    code = "search_busy"
    detail = "Another of your searches is still running; retry when it has finished."

    def __init__(self) -> None:
        AppError.__init__(self, headers={"Retry-After": "1"})


class TooManyStreams(TooManyRequests):
    code = "too_many_streams"
    detail = "Too many answers are streaming for this user at once; wait for one to finish."


class ActivityNotFound(NotFound):
    code = "activity_not_found"
    detail = "Activity entry not found."


class MessageNotFound(NotFound):
    code = "message_not_found"
    detail = "No changes made by that message were found."


class NoSuchMessage(NotFound):
    """Versions (docs/api.md "Versions"): no such message, or not one of the right kind."""

    code = "message_not_found"
    detail = "That message is not in this conversation, or cannot be answered again."


class UndoConflict(Conflict):
    code = "undo_conflict"
    detail = "The task changed after this; undo the later change first."

    def __init__(self, task_number: int, later_entry: int | None) -> None:
        if later_entry is None:
            super().__init__(f"Task {task_number} changed after this; it was not undone.")
        else:
            super().__init__(
                f"Task {task_number} changed after this (activity entry {later_entry}); "
                "undo that first."
            )
        self.extra = {"later_entry_id": later_entry}


class AlreadyUndone(Conflict):
    code = "already_undone"
    detail = "This change was already undone."


class ApprovalNotFound(NotFound):
    code = "approval_not_found"
    detail = "This conversation has no such tool call waiting for a decision."


class ApprovalAlreadyDecided(Conflict):
    code = "already_decided"
    detail = "This tool call was already decided."
