"""`.env.example` documents every setting (limits included), and nothing that is not one."""

import re
from pathlib import Path

from pydantic import AliasChoices

from backend.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def variable_names() -> dict[str, set[str]]:
    """Each field's environment variables: its name upper-cased, or its aliases."""
    names: dict[str, set[str]] = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            choices = {str(choice) for choice in alias.choices if str(choice).isupper()}
        else:
            choices = {field.upper()}
        names[field] = choices
    return names


def documented() -> set[str]:
    return set(ASSIGNMENT.findall(ENV_EXAMPLE.read_text()))


def test_every_setting_is_in_env_example() -> None:
    written = documented()
    missing = {
        field: sorted(names) for field, names in variable_names().items() if not names & written
    }
    assert not missing, f"settings missing from .env.example: {missing}"


def test_env_example_names_only_real_settings() -> None:
    known = set().union(*variable_names().values())
    assert documented() - known == set()


def test_the_limits_are_documented_with_their_defaults_and_effects() -> None:
    text = ENV_EXAMPLE.read_text()
    for field in (
        "chat_requests_per_minute",
        "chat_max_streams_per_user",
        "chat_max_turns",
        "chat_max_tool_calls",
        "chat_max_destructive_calls",
        "max_body_bytes",
        "rest_requests_per_minute",
        "tasks_per_user",
        "http_max_header_bytes",
        "http_max_header_line_bytes",
        "http_max_headers",
        "http_max_connections",
    ):
        line = f"# {field.upper()}={Settings.model_fields[field].default}"
        assert re.search(rf"^{line}$", text, re.MULTILINE), line
    # What a client sees when a limit is reached.
    for effect in ("429", "tool_limit_exceeded", "model_turn_limit", "413", "431", "409"):
        assert effect in text, effect
