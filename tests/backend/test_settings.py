"""Settings read from the environment: what /mcp's settings accept, and the one-line reason
for what they refuse."""

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from backend.settings import Settings


@pytest.fixture(autouse=True)
def no_mcp_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PUBLIC_URL", "MCP_ALLOWED_HOSTS", "MCP_CALLS_PER_MINUTE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Settings]:
    """Settings as the server reads them, with `environment` set as variables."""

    def read(**environment: str) -> Settings:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return Settings(_env_file=None)

    return read


def test_mcp_defaults(settings: Callable[..., Settings]) -> None:
    defaults = settings()
    assert defaults.public_url == "http://127.0.0.1:8000"
    assert defaults.mcp_allowed_host_list == []
    assert defaults.mcp_calls_per_minute == 60


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://todo.example.com", "https://todo.example.com"),
        ("https://todo.example.com/", "https://todo.example.com"),
        (" http://localhost:8080 ", "http://localhost:8080"),
    ],
)
def test_public_url_is_an_origin(settings: Callable[..., Settings], given: str, kept: str) -> None:
    assert settings(PUBLIC_URL=given).public_url == kept


@pytest.mark.parametrize(
    "given",
    ["todo.example.com", "ftp://todo.example.com", "https://todo.example.com/app", "https://u:p@h"],
)
def test_public_url_refuses_anything_but_an_origin(
    settings: Callable[..., Settings], given: str
) -> None:
    with pytest.raises(ValidationError, match="public_url"):
        settings(PUBLIC_URL=given)


def test_mcp_allowed_hosts_are_a_comma_separated_list(settings: Callable[..., Settings]) -> None:
    hosts = settings(MCP_ALLOWED_HOSTS=" todo.example.com, api.example.com:8443 ,[::2],")
    assert hosts.mcp_allowed_host_list == ["todo.example.com", "api.example.com:8443", "[::2]"]


@pytest.mark.parametrize("given", ["https://todo.example.com", "todo.example.com/mcp", "a b"])
def test_mcp_allowed_hosts_refuse_urls_and_paths(
    settings: Callable[..., Settings], given: str
) -> None:
    with pytest.raises(ValidationError, match="is not a host name"):
        settings(MCP_ALLOWED_HOSTS=given)


@pytest.mark.parametrize("given", ["0", "-1", "many"])
def test_mcp_calls_per_minute_is_a_positive_count(
    settings: Callable[..., Settings], given: str
) -> None:
    with pytest.raises(ValidationError, match="mcp_calls_per_minute"):
        settings(MCP_CALLS_PER_MINUTE=given)
