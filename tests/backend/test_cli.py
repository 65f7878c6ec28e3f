"""`todo-chat token USER_ID [--ttl]` (docs/api.md §2): a token the server accepts; and the
URL `todo-chat serve` knows itself by."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest

from backend.auth.dev_secret import load_or_create_dev_secret
from backend.auth.verifier import TokenVerifier
from backend.cli import main, served_url
from backend.http.errors import Unauthorized
from backend.settings import Settings
from backend.web.dev_code import dev_sign_in_code
from tests.processes import REPO, TODO_CHAT, serve_env, todo_chat_serve

SECRET = "cli-test-secret-that-is-long-enough-for-hs256-0123456789"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A clean configuration: no `.env`, no inherited auth settings, data in tmp_path."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "AUTH_SECRET",
        "BETTER_AUTH_SECRET",
        "AUTH_JWKS_URL",
        "AUTH_ISSUER",
        "AUTH_AUDIENCE",
        "DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TODO_CHAT_DATA_DIR", str(tmp_path / "data"))


def printed_token(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["token", *argv]) == 0
    lines = capsys.readouterr().out.split()
    assert len(lines) == 1
    return lines[0]


async def test_token_prints_a_token_the_verifier_accepts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_SECRET", SECRET)
    token = printed_token(capsys, "alice", "--ttl", "15m")
    assert await TokenVerifier(secret=SECRET, jwks=None).verify(token) == "alice"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert abs(claims["exp"] - (time.time() + 15 * 60)) < 60


async def test_the_default_lifetime_is_one_hour(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_SECRET", SECRET)
    claims = jwt.decode(printed_token(capsys, "bob"), SECRET, algorithms=["HS256"])
    assert claims["sub"] == "bob"
    assert claims["exp"] - claims["iat"] == 3600


async def test_token_carries_the_configured_issuer_and_audience(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    monkeypatch.setenv("AUTH_ISSUER", "https://auth.example.test")
    monkeypatch.setenv("AUTH_AUDIENCE", "todo-chat")
    token = printed_token(capsys, "alice")
    strict = TokenVerifier(
        secret=SECRET, jwks=None, issuer="https://auth.example.test", audience="todo-chat"
    )
    assert await strict.verify(token) == "alice"


async def test_dev_mode_token_uses_the_secret_the_server_will_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = printed_token(capsys, "alice")
    dev_secret = load_or_create_dev_secret(tmp_path / "data")
    assert await TokenVerifier(secret=dev_secret, jwks=None).verify(token) == "alice"
    with pytest.raises(Unauthorized):
        await TokenVerifier(secret=SECRET, jwks=None).verify(token)


def test_token_without_a_secret_in_a_jwks_setup_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_JWKS_URL", "http://127.0.0.1:9/jwks")
    assert main(["token", "alice"]) != 0
    assert "AUTH_SECRET" in capsys.readouterr().out


@pytest.mark.parametrize("ttl", ["forever", "15", "-5m", "1w", "m", "", "0m"])
def test_a_bad_ttl_exits_with_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], ttl: str
) -> None:
    monkeypatch.setenv("AUTH_SECRET", SECRET)
    with pytest.raises(SystemExit) as exited:
        main(["token", "alice", "--ttl", ttl])
    assert exited.value.code not in (0, None)
    output = capsys.readouterr()
    assert "ttl" in output.err.lower()
    assert output.out == ""


def test_the_token_command_loads_neither_the_app_nor_the_agents_sdk(tmp_path: Path) -> None:
    """`todo-chat token` is for scripts: it must start fast, without the app or the agent."""
    probe = (
        "import sys\n"
        "from backend.cli import main\n"
        "assert main(['token', 'alice']) == 0\n"
        "heavy = {'agents', 'openai', 'backend.main', 'backend.services', 'mcp'}\n"
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "AUTH_SECRET": SECRET, "TODO_CHAT_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"
    assert len(done.stdout.split(".")) == 3  # the token itself, on stdout


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:9000"),
        ("0.0.0.0", "http://127.0.0.1:9000"),
        ("::", "http://[::1]:9000"),
        ("::1", "http://[::1]:9000"),
        ("todo.internal", "http://todo.internal:9000"),
    ],
)
def test_serve_knows_the_url_it_is_reached_at(host: str, url: str) -> None:
    assert served_url(host, 9000) == url


async def test_serve_names_its_own_port_in_the_mcp_metadata(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    env = serve_env(database, "http://127.0.0.1:9/v1", tmp_path / "data")
    async with (
        todo_chat_serve(env, cwd=tmp_path, log=tmp_path / "serve.log") as served,
        httpx.AsyncClient(base_url=served.url) as http,
    ):
        document = (await http.get("/.well-known/oauth-protected-resource/mcp")).json()
    assert document["resource"] == f"{served.url}/mcp"


BAD_SETTINGS = [
    ("CHAT_REQUESTS_PER_MINUTE", "1000000", "a whole number from 1 to 10000"),
    ("CHAT_MODEL_API", "assistants", "one of responses, chat_completions"),
    ("CHAT_MODEL_TIMEOUT", "soon", "a number above 0 and at most 600"),
    ("DATABASE_URL", "mysql://db/todo", "a postgresql:// URL"),
]


@pytest.mark.parametrize("command", [["serve"], ["migrate"], ["chat", "hi"]], ids=lambda c: c[0])
@pytest.mark.parametrize(("variable", "value", "accepts"), BAD_SETTINGS, ids=lambda v: v)
def test_a_bad_setting_stops_the_command_with_one_line(
    tmp_path: Path, command: list[str], variable: str, value: str, accepts: str
) -> None:
    env = {**os.environ, "TODO_CHAT_DATA_DIR": str(tmp_path / "data"), variable: value}
    done = subprocess.run(
        [str(TODO_CHAT), *command], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"todo-chat: bad setting: {variable} must be {accepts}\n"
    assert value not in done.stderr  # what it accepts, never the value (it may be a secret)


def test_serve_with_several_workers_refuses_without_redis_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.count("\n") == 1
    assert "REDIS_URL" in printed.err


def test_dev_code_prints_the_code_the_page_asks_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["dev-code"]) == 0
    printed = capsys.readouterr().out.strip()
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    assert printed == dev_sign_in_code(settings)
    monkeypatch.setenv("AUTH_SECRET", SECRET)
    assert main(["dev-code"]) != 0
    assert "todo-chat token" in capsys.readouterr().out
