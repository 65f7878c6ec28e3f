"""docker-compose.yml runs what a deployment needs (no Docker engine here: the file is read)."""

from pathlib import Path
from typing import Any

import yaml

from tests.backend.test_env_example import variable_names

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
# Set by the compose file itself, not passed through from the operator's environment.
SET_BY_COMPOSE = {"DATABASE_URL", "REDIS_URL"}
# The data dir only matters without DATABASE_URL (embedded PostgreSQL), which compose never uses.
NOT_FOR_CONTAINERS = {"TODO_CHAT_DATA_DIR"}


def app_service() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return dict(services["app"])


def test_the_app_runs_two_workers_on_postgresql_and_redis() -> None:
    app = app_service()
    environment = app["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql://")
    assert environment["DATABASE_URL"].split("@")[1].startswith("db:")
    assert environment["REDIS_URL"].startswith("redis://redis:")
    command = app["command"]
    assert command[:2] == ["todo-chat", "serve"]
    assert command[command.index("--workers") + 1] == "2"
    assert app["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_every_setting_reaches_the_app() -> None:
    environment = app_service()["environment"]
    for field, names in variable_names().items():
        if names & (SET_BY_COMPOSE | NOT_FOR_CONTAINERS):
            continue
        passed = [name for name in names if environment.get(name) == f"${{{name}:-}}"]
        assert passed, f"{field} ({sorted(names)}) is not passed to the app container"
