"""Runtime configuration from the environment and `.env` (docs/api.md §3)."""

import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.db.url import Pooler, parse_database_url

DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"
# A Host header value: a DNS name or IPv4 address, or a bracketed IPv6 one, and maybe a port.
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    database_url: str | None = None
    # None: `transaction` for hosts Neon marks as pooled (`-pooler`), else `none`.
    database_pooler: Pooler | None = Field(None, description="none or transaction")
    data_dir: Path = Field(
        Path(".todo-chat"), validation_alias=AliasChoices("TODO_CHAT_DATA_DIR", "data_dir")
    )

    auth_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("AUTH_SECRET", "BETTER_AUTH_SECRET", "auth_secret")
    )
    auth_jwks_url: str | None = None
    auth_issuer: str | None = None
    auth_audience: str | None = None
    auth_leeway_seconds: int = Field(30, ge=0, le=300)

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    chat_model: str | None = None
    chat_model_api: Literal["responses", "chat_completions"] = "responses"
    chat_model_timeout: float = Field(60.0, gt=0, le=600)
    # The model that names a conversation after its first answer: unset, the chat model;
    # `none`, no model call (the title comes from the first exchange's tool calls).
    chat_title_model: str | None = Field(None, min_length=1, max_length=200)
    chat_history_messages: int = Field(40, ge=1, le=500)
    # Cost (backend/usage, agent/history.py): 0 tokens per day is no budget.
    chat_tokens_per_day: int = Field(0, ge=0, le=10_000_000_000)
    chat_history_tokens: int = Field(12_000, ge=500, le=2_000_000)
    chat_max_turns: int = Field(8, ge=1, le=50)
    chat_max_tool_calls: int = Field(12, ge=1, le=100)
    chat_max_destructive_calls: int = Field(3, ge=0, le=100)
    chat_run_stale_seconds: int = Field(300, ge=10, le=3600)
    chat_requests_per_minute: int = Field(30, ge=1, le=10_000)
    chat_max_streams_per_user: int = Field(3, ge=1, le=1000)
    # Live feeds and attaches open at once per user, across workers and replicas.
    streams_per_user: int = Field(20, ge=1, le=10_000)
    cors_origins: str = ""
    redis_url: str | None = Field(None, pattern=r"^(redis|rediss|unix)://")
    redis_key_prefix: str = Field("todo-chat:", min_length=1, max_length=64)
    public_url: str = "http://127.0.0.1:8000"
    mcp_allowed_hosts: str = ""
    mcp_calls_per_minute: int = Field(60, ge=1, le=10_000)
    # The OAuth authorization server whose access tokens /mcp takes (default AUTH_ISSUER).
    mcp_auth_issuer: str | None = None
    # The scope an access token needs on /mcp (RFC 6749 scope-token: no spaces or quotes).
    mcp_scope: str = Field("todo", pattern=r"^[!#-\[\]-~]{1,64}$")
    chat_resume_seconds: int = Field(120, ge=1, le=86_400)
    chat_on_disconnect: Literal["continue", "cancel"] = "continue"
    # Which chat tool calls wait for the person (docs/api.md "Confirmation").
    chat_confirm: Literal["deletes", "changes", "none"] = "deletes"
    chat_approval_seconds: int = Field(86_400, ge=10, le=30 * 86_400)
    # How often each server process looks for reminders whose time has come.
    reminder_interval_seconds: float = Field(5.0, gt=0, le=300)
    # How long activity entries (what changed, and what can be undone) are kept.
    activity_retention_days: int = Field(30, ge=1, le=3650)

    # 20 kept open rather than 10 plus 10 opened and closed per burst (docs/performance.md,
    # "From 16 to 64 clients"): the same ceiling, without a new connection every few turns.
    db_pool_size: int = Field(20, ge=1, le=100)
    db_max_overflow: int = Field(0, ge=0, le=100)
    db_pool_timeout: float = Field(5.0, gt=0, le=60)
    rest_requests_per_minute: int = Field(600, ge=1, le=100_000)
    tasks_per_user: int = Field(10_000, ge=1, le=10_000_000)
    db_search_timeout: float = Field(2.0, gt=0, le=60)
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=10 * 1024 * 1024)
    # The HTTP edge of `todo-chat serve` (backend/http/guard.py).
    http_header_timeout: float = Field(10.0, gt=0, le=300)
    http_body_timeout: float = Field(10.0, gt=0, le=300)
    http_max_header_bytes: int = Field(64 * 1024, ge=4096, le=1024 * 1024)
    http_max_header_line_bytes: int = Field(16 * 1024, ge=1024, le=1024 * 1024)
    http_max_headers: int = Field(100, ge=10, le=1000)
    http_max_connections: int = Field(4096, ge=10, le=1_000_000)
    log_level: str = "INFO"
    # GET /metrics answers a bearer of this token; unset, it is 404 (backend/metrics).
    metrics_token: SecretStr | None = Field(None, min_length=16)
    # `todo-chat serve` also serves every worker's metrics on this port, without a token.
    metrics_port: int | None = Field(None, ge=1, le=65535)

    @field_validator("database_url")
    @classmethod
    def _database_url_parameters(cls, url: str | None) -> str | None:
        """Refused here, an unknown parameter is one line at start, not a failed connection."""
        if url is not None:
            parse_database_url(url)
        return url

    @field_validator("public_url")
    @classmethod
    def _an_origin(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
            raise ValueError("must be an http:// or https:// URL, e.g. https://todo.example.com")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("must be the server's origin only (scheme, host, port; no path)")
        return f"{parts.scheme}://{parts.netloc}"

    @field_validator("mcp_allowed_hosts")
    @classmethod
    def _host_names(cls, value: str) -> str:
        for host in _split(value):
            if not _HOST.match(host):
                raise ValueError(
                    f"{host!r} is not a host name: give Host values such as todo.example.com "
                    "or todo.example.com:8443, comma-separated, without scheme or path"
                )
        return value

    @property
    def mcp_allowed_host_list(self) -> list[str]:
        return _split(self.mcp_allowed_hosts)

    @property
    def mcp_oauth_issuer(self) -> str | None:
        """Who issues /mcp's OAuth access tokens; None: /mcp takes the same bearer tokens as
        the API (dev mode, or a client that sends a header it was given)."""
        return self.mcp_auth_issuer or self.auth_issuer

    @property
    def mcp_resource(self) -> str:
        """/mcp's canonical URL: the audience its access tokens are issued for (RFC 8707)."""
        return f"{self.public_url}/mcp"

    @property
    def cors_origin_list(self) -> list[str]:
        return _split(self.cors_origins)

    @property
    def resolved_chat_model(self) -> str:
        """`offline` unless a provider is configured (docs/api.md §3)."""
        if self.chat_model:
            return self.chat_model
        if self.openai_api_key is None and self.openai_base_url is None:
            return "offline"
        return DEFAULT_OPENAI_MODEL

    @property
    def resolved_title_model(self) -> str | None:
        """The model that makes titles, or None: no call (`none`, or the offline model)."""
        name = self.chat_title_model or self.resolved_chat_model
        return None if name in ("none", "offline") else name


def _split(values: str) -> list[str]:
    """A comma-separated setting's entries, trimmed, blanks dropped."""
    return [v.strip() for v in values.split(",") if v.strip()]


class SettingsError(Exception):
    """Settings with bad values, said in one line for the person starting the server."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = {_problem(issue) for issue in error.errors()}
        raise SettingsError("; ".join(sorted(problems))) from None


def _problem(issue: Any) -> str:
    """`NAME must be …`: the environment variable and what it accepts (never its value)."""
    name = str(issue["loc"][0])
    field = Settings.model_fields.get(name)
    if field is None:  # reported under its alias
        return f"{name.upper()} has a bad value"
    alias = field.validation_alias
    variable = str(alias.choices[0]) if isinstance(alias, AliasChoices) else name.upper()
    if issue["type"] == "value_error":  # one of our validators said what it wants
        message = str(issue["ctx"]["error"])
        return message if message.startswith(variable) else f"{variable}: {message}"
    if field.description:
        return f"{variable} must be {field.description}"
    return f"{variable} must be {_accepts(field.annotation, field.metadata)}"


def _accepts(annotation: Any, metadata: list[Any]) -> str:
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(str(choice) for choice in get_args(annotation))
    if annotation in (int, float):
        kind = "a whole number" if annotation is int else "a number"
        ge, gt, high = (_bound(metadata, name) for name in ("ge", "gt", "le"))
        low = f"from {ge}" if ge is not None else f"above {gt}" if gt is not None else None
        if low and high is not None:
            joiner = " to " if low.startswith("from") else " and at most "
            return f"{kind} {low}{joiner}{high}"
        return kind
    return "a valid value (see .env.example)"


def _bound(metadata: list[Any], name: str) -> Any:
    """A numeric constraint of a field (`annotated_types.Ge(ge=1)` and the like), or None."""
    return next((getattr(m, name) for m in metadata if hasattr(m, name)), None)
