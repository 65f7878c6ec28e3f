"""Property-based API tests (Schemathesis) against the app's own OpenAPI document.

Every operation is fuzzed with valid and invalid input under a valid token for the path's
user: every response must be a documented status with a documented body and content type,
invalid input must be rejected, and the bearer token must be enforced. A stateful run
follows the OpenAPI links from `POST /tasks` to the task routes.

The document is read from an app that is never started (collection needs the operations);
each test sends its requests to a started app of its own, on a fresh database.
"""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from backend.auth.tokens import issue_token
from backend.main import create_app
from backend.settings import Settings
from tests.tokens import TEST_SECRET

Case = schemathesis.Case[Any]
USER = "schemathesis-user"
MAX_EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# A created task can be used at once, and a deleted one is gone.
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]


class BearerToken:
    """A valid token for USER (explicit credentials: `ignored_auth` then probes without it)."""

    def get(self, case: Case, ctx: schemathesis.AuthContext) -> str:
        return issue_token(TEST_SECRET, USER, timedelta(hours=1))

    def set(self, case: Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            # The path's user must be the token's `sub`; any other is a plain 403.
            "parameters": {"path.user_id": USER},
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
        }
    )


def _unstarted_app() -> FastAPI:
    """An app whose lifespan never runs: it only lends its OpenAPI document (and its type)."""
    return create_app(Settings(_env_file=None, database_url="postgresql://unused@/unused"))


schema = schemathesis.openapi.from_dict(_unstarted_app().openapi(), config=_config())
# Marks the schema as an ASGI one; every request names the started app it goes to.
schema.app = _unstarted_app()
schema.auth()(BearerToken)
HYPOTHESIS = hypothesis.settings(
    deadline=None,
    database=None,
    # One started app (and database) per operation, shared by its examples on purpose.
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def fuzzed_app(settings: Settings) -> Iterator[FastAPI]:
    """The app with the offline model, per-user limits out of the way (they have their own
    tests).

    Schemathesis runs it, lifespan included, on an event loop thread of its own.
    """
    fuzz_settings = settings.model_copy(
        update={
            "chat_requests_per_minute": 10_000,
            "chat_max_streams_per_user": 1000,
            "rest_requests_per_minute": 100_000,
            "streams_per_user": 10_000,
        }
    )
    app = create_app(fuzz_settings)
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture
def statuses() -> Iterator[list[int]]:
    """The statuses an operation's examples got: not all 401, or the token was never sent."""
    seen: list[int] = []
    yield seen
    assert seen, "no request was sent"
    assert set(seen) != {401}, "every request was refused: the fuzzer sent no valid token"


@schema.parametrize()
@HYPOTHESIS
def test_every_operation_conforms_to_its_schema(
    case: Case, fuzzed_app: FastAPI, statuses: list[int]
) -> None:
    response = case.call_and_validate(checks=CHECKS, app=fuzzed_app)
    statuses.append(response.status_code)


TASK = "/api/{user_id}/tasks/{task_id}"


def test_task_workflows_follow_the_links(fuzzed_app: FastAPI) -> None:
    # The task routes alone: each route added elsewhere would otherwise reshuffle the
    # derandomized scenarios this test was tuned on.
    linked = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=_config()).include(
        path_regex=r"^/api/\{user_id\}/tasks"
    )
    steps: set[tuple[str, str, int]] = set()
    # Each scenario is a new user, so it starts from an empty list whatever ran before it:
    # Hypothesis replays scenarios and needs them to behave the same way each time.
    scenario_user = [USER]

    class ScenarioToken(BearerToken):
        def get(self, case: Case, ctx: schemathesis.AuthContext) -> str:
            return issue_token(TEST_SECRET, scenario_user[0], timedelta(hours=1))

    linked.auth(refresh_interval=None)(ScenarioToken)

    class Workflow(linked.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            scenario_user[0] = f"scenario-{uuid.uuid4().hex[:12]}"

        def before_call(self, case: Case) -> None:
            # Links inferred by Schemathesis may fill `user_id` from a task's `id`.
            case.path_parameters = {**(case.path_parameters or {}), "user_id": scenario_user[0]}

        def after_call(self, response: schemathesis.Response, case: Case) -> None:
            steps.add((case.method.upper(), case.operation.path, response.status_code))

        def validate_response(
            self, response: schemathesis.Response, case: Case, **kwargs: Any
        ) -> None:
            case.validate_response(
                response, checks=STATEFUL_CHECKS, transport_kwargs=kwargs, recorder=self.recorder
            )

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    # The links were followed: a created task was then read, changed or deleted by its id.
    assert ("POST", "/api/{user_id}/tasks", 201) in steps
    linked_ok = {(method, status) for method, path, status in steps if path.startswith(TASK)}
    assert linked_ok & {("GET", 200), ("PUT", 200), ("PATCH", 200), ("DELETE", 204)}, steps
