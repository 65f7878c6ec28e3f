"""Errors in words a person understands (backend/http/plain.py): each class of sentence that
ChatKit's events and the CLI show, said without field names, library wording or URLs."""

import pytest
from agents import MaxTurnsExceeded

from agent.run import failure_for
from backend.chatkit import errors as chatkit_errors
from backend.conversations.sse import (
    DATABASE_FAILURE,
    INTERNAL_FAILURE,
    SHUTDOWN_FAILURE,
    VIEWER_BEHIND,
)
from backend.http import errors
from backend.http.plain import BY_CODE, plain_error, plain_issues
from backend.runs.viewer import RUN_LOST
from backend.usage.budget import BudgetExhausted
from tests.plain import assert_plain

# Every error a chat surface can meet, as REST says it (code, detail).
REST_ERRORS = [
    (cls.code, cls.detail)
    for cls in (
        errors.AppError,
        errors.InvalidRequest,
        errors.Unauthorized,
        errors.Forbidden,
        errors.NotFound,
        errors.Conflict,
        errors.PayloadTooLarge,
        errors.DatabaseUnavailable,
        errors.BrokerUnavailable,
        errors.TaskNotFound,
        errors.ConversationNotFound,
        errors.ConversationBusy,
        errors.MessageNotRetryable,
        errors.ConversationRunning,
        errors.IdempotencyKeyReused,
        errors.IdempotencyInProgress,
        errors.TooManyRequests,
        errors.TooManyApiRequests,
        errors.TaskLimitReached,
        errors.SearchTimedOut,
        errors.TooManyOpenStreams,
        errors.SearchBusy,
        errors.TooManyStreams,
        errors.ActivityNotFound,
        errors.MessageNotFound,
        errors.UndoConflict,
        errors.AlreadyUndone,
        errors.ApprovalNotFound,
        errors.ApprovalAlreadyDecided,
        BudgetExhausted,
    )
]
# What runs end with (agent/run.py, backend/conversations/sse.py, backend/runs/viewer.py).
RUN_FAILURES = [
    (failed.code, failed.detail)
    for failed in (
        failure_for(MaxTurnsExceeded("too many")),
        failure_for(TimeoutError()),
        failure_for(RuntimeError()),
        INTERNAL_FAILURE,
        DATABASE_FAILURE,
        SHUTDOWN_FAILURE,
        VIEWER_BEHIND,
        RUN_LOST,
    )
] + [
    ("model_rate_limited", "The AI model is busy right now; please try again shortly."),
    ("model_rejected", "The AI model refused the request."),
    ("tool_limit_exceeded", "This turn was stopped: it reached the limit on tool calls."),
]
# ChatKit's own (backend/chatkit/errors.py).
CHATKIT_ERRORS = [
    (cls.code, cls.detail)
    for cls in (
        chatkit_errors.UnsupportedRequest,
        chatkit_errors.AttachmentsUnsupported,
        chatkit_errors.InvalidMessage,
        chatkit_errors.InvalidTitle,
        chatkit_errors.ItemNotFound,
        chatkit_errors.InvalidTimeZone,
    )
]


@pytest.mark.parametrize(("code", "detail"), REST_ERRORS + RUN_FAILURES + CHATKIT_ERRORS)
def test_every_error_a_person_can_meet_is_said_plainly(code: str, detail: str) -> None:
    assert_plain(plain_error(code, detail))


def test_sentences_for_programs_are_said_again() -> None:
    running = plain_error(errors.ConversationRunning.code, errors.ConversationRunning.detail)
    assert running == "This conversation is still answering; stop it or wait until it is done."
    assert plain_error("broker_unavailable", errors.BrokerUnavailable.detail) == (
        "The service is having trouble right now; please retry shortly."
    )
    assert plain_error("rate_limited", errors.TooManyApiRequests.detail) == (
        "Too many requests at once; please wait a moment and retry."
    )
    # A sentence already plain is kept, and a sentence of its own survives its code.
    assert plain_error("task_not_found", "Task 9 was not found.") == "Task 9 was not found."
    attachments = "Attachments are not supported; send the message as text."
    assert plain_error("unsupported_request", attachments) == attachments


def test_a_request_line_or_url_is_taken_out_of_any_sentence() -> None:
    said = plain_error("conflict", "Busy; stop it first (POST .../conversations/1/stop).")
    assert said == "Busy; stop it first."
    assert plain_error("x", "See https://example.test/help for more.") == "See for more."


@pytest.mark.parametrize(
    ("issues", "said"),
    [
        (
            [
                {
                    "type": "string_too_long",
                    "loc": ["body", "message"],
                    "msg": "String should have at most 4000 characters",
                }
            ],
            "The message is too long (at most 4000 characters).",
        ),
        (
            [
                {
                    "type": "string_too_short",
                    "loc": ["body", "title"],
                    "msg": "String should have at least 1 character",
                }
            ],
            "The title can't be empty.",
        ),
        (
            [
                {"type": "recurrence_needs_due_at", "loc": ["body", "recurrence"], "msg": "x"},
                {"type": "missing", "loc": ["body", "message"], "msg": "Field required"},
            ],
            "A repeating task needs a due date. The message is missing.",
        ),
        (
            [
                {
                    "type": "int_parsing",
                    "loc": ["body", "conversation_id"],
                    "msg": "Input should be a valid integer",
                },
                {"type": "weird", "loc": [], "msg": "?"},
                "not a dict",
            ],
            "The conversation isn't valid. Something you entered isn't valid.",
        ),
        ([], "Something you entered isn't valid."),
        (
            [
                {
                    "type": "too_long",
                    "loc": ["body", "message"],
                    "msg": "Value should have at most 4000 items after validation, not 4001",
                },
                {
                    "type": "too_long",
                    "loc": ["body", "tags"],
                    "msg": "List should have at most 10 items after validation, not 11",
                },
            ],
            "The message is too long (at most 4000 characters). Too many entries in the tags"
            " (at most 10).",
        ),
    ],
)
def test_a_422s_problems_become_sentences_naming_no_field(issues: list[object], said: str) -> None:
    assert plain_issues(issues) == said
    assert plain_error("validation_error", issues) == said
    assert_plain(said)


def test_every_rewritten_sentence_is_plain() -> None:
    for sentence in BY_CODE.values():
        assert_plain(sentence)
