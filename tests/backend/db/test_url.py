"""DATABASE_URL as Neon, Supabase and PgBouncer users paste it: what is accepted, what asyncpg
gets for it, and the one line an unknown or bad parameter gets."""

import ssl
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.db.engine import create_engine, engine_arguments
from backend.db.url import parse_database_url
from backend.settings import Settings
from tests.processes import serve_env, todo_chat_serve
from tests.rows import count_rows
from tests.tokens import TokenFactory

NEON_POOLED = (
    "postgresql://neondb_owner:npg_Secret1@ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech"
    "/neondb?sslmode=require&channel_binding=require"
)
NEON_DIRECT = NEON_POOLED.replace("-pooler", "")
SUPABASE_POOLER = (
    "postgresql://postgres.abcdefghijklmnop:secret@aws-0-eu-central-1.pooler.supabase.com:6543"
    "/postgres"
)


def test_neons_pooled_url_is_accepted_as_printed_and_means_a_transaction_pooler() -> None:
    target = parse_database_url(NEON_POOLED)
    assert target.url.render_as_string(hide_password=False) == (
        "postgresql+asyncpg://neondb_owner:npg_Secret1@"
        "ep-cool-darkness-a1b2c3d4-pooler.us-east-2.aws.neon.tech/neondb"
    )
    assert target.libpq == {"sslmode": "require"}
    assert target.pooler(None) == "transaction"
    assert target.pooler("none") == "none"  # DATABASE_POOLER has the last word


def test_neons_direct_url_and_supabases_pooler_are_direct_unless_told() -> None:
    assert parse_database_url(NEON_DIRECT).pooler(None) == "none"
    # Supabase's transaction pooler (port 6543) is not marked in its host: DATABASE_POOLER says.
    assert parse_database_url(SUPABASE_POOLER).pooler(None) == "none"
    assert parse_database_url(SUPABASE_POOLER).pooler("transaction") == "transaction"


def test_libpq_parameters_go_where_asyncpg_reads_them() -> None:
    target = parse_database_url(
        "postgres://app@db.example.com:5433/todo?sslmode=verify-full&sslrootcert=/etc/ca.pem"
        "&connect_timeout=10&application_name=todo-prod&options=-c%20search_path%3Dapp"
        "&target_session_attrs=read-write&gssencmode=disable"
    )
    assert target.url.render_as_string() == "postgresql+asyncpg://app@db.example.com:5433/todo"
    assert target.libpq == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/ca.pem",
        "target_session_attrs": "read-write",
    }
    assert target.startup == {"application_name": "todo-prod", "options": "-c search_path=app"}
    assert target.connect_timeout == 10.0
    assert target.libpq_dsn == (
        "postgresql://?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem"
        "&target_session_attrs=read-write"
    )


def test_a_unix_socket_directory_stays_on_the_url_and_asyncpgs_ssl_spelling_is_sslmode() -> None:
    embedded = parse_database_url("postgresql://postgres:@/postgres?host=/tmp/pg-socket")
    assert embedded.url.query == {"host": "/tmp/pg-socket"}
    assert embedded.libpq == {}
    asyncpg_style = parse_database_url("postgresql+asyncpg://app@db/todo?ssl=require")
    assert asyncpg_style.libpq == {"sslmode": "require"}


def test_sslrootcert_system_means_the_system_cas_and_verify_full() -> None:
    target = parse_database_url(NEON_DIRECT.replace("sslmode=require&", "") + "&sslrootcert=system")
    assert target.libpq == {
        "sslrootcert": ssl.get_default_verify_paths().cafile,
        "sslmode": "verify-full",
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (NEON_POOLED + "&pgbouncer=true", "unknown parameter 'pgbouncer'; accepted: "),
        ("postgresql://app@db/todo?sslmode=required", "sslmode must be one of disable, allow, "),
        ("postgresql://app@db/todo?channel_binding=yes", "channel_binding must be one of "),
        ("postgresql://app@db/todo?connect_timeout=soon", "connect_timeout must be a number of"),
        ("postgresql://app@db/todo?connect_timeout=0", "connect_timeout must be a number of"),
        ("mysql://app@db/todo", "DATABASE_URL must be a postgresql:// URL"),
        ("not a url", "DATABASE_URL must be a postgresql:// URL"),
    ],
)
def test_a_bad_url_is_one_line_naming_the_problem(url: str, message: str) -> None:
    with pytest.raises(ValueError, match="DATABASE_URL") as refused:
        parse_database_url(url)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert "secret" not in str(refused.value).lower()  # never the password, nor a value


def test_the_setting_is_checked_when_read() -> None:
    with pytest.raises(ValidationError, match="unknown parameter 'pgbouncer'"):
        Settings(_env_file=None, database_url=NEON_POOLED + "&pgbouncer=true")
    assert Settings(_env_file=None, database_url=NEON_POOLED).database_url == NEON_POOLED


def test_database_pooler_accepts_none_and_transaction_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_POOLER", raising=False)
    assert Settings(_env_file=None).database_pooler is None
    monkeypatch.setenv("DATABASE_POOLER", "transaction")
    assert Settings(_env_file=None).database_pooler == "transaction"
    monkeypatch.setenv("DATABASE_POOLER", "session")
    with pytest.raises(ValidationError, match="database_pooler"):
        Settings(_env_file=None)


def test_behind_a_transaction_pooler_nothing_prepared_or_set_outlives_a_transaction() -> None:
    _, pooled = engine_arguments(NEON_POOLED)
    assert pooled["statement_cache_size"] == 0
    assert pooled["prepared_statement_cache_size"] == 0
    # Only what a pooler tracks per client goes in the startup packet.
    assert pooled["server_settings"] == {"application_name": "todo-chat"}
    assert pooled["dsn"] == "postgresql://?sslmode=require"

    _, direct = engine_arguments(NEON_DIRECT + "&application_name=mine&connect_timeout=12")
    assert "statement_cache_size" not in direct
    assert direct["server_settings"] == {
        "application_name": "mine",
        "idle_in_transaction_session_timeout": "60000",
    }
    assert direct["timeout"] == 12.0


# --- a Neon-style URL, pointed at the test server, starts `todo-chat serve` ------------------

# What Neon prints, with `prefer` for a local server without TLS, and the other libpq
# parameters a pasted URL may carry.
NEON_STYLE = {
    "sslmode": "prefer",
    "channel_binding": "require",
    "connect_timeout": "10",
    "application_name": "neon-style-test",
}


@pytest.mark.usefixtures("database")  # emptied afterwards
@pytest.mark.parametrize("through", ["direct", "pgbouncer"])
async def test_a_neon_style_url_starts_the_server_which_then_works(
    through: str,
    direct_database_url: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    make_token: TokenFactory,
    db_engine: AsyncEngine,
) -> None:
    url = direct_database_url
    if through == "pgbouncer":
        url = request.getfixturevalue("pgbouncer").url_for(url)
    neon_style = make_url(url).update_query_dict(NEON_STYLE).render_as_string(hide_password=False)
    env = serve_env(neon_style, "http://127.0.0.1:9/v1", tmp_path / "data")
    env.update(CHAT_MODEL="offline")
    env.pop("DATABASE_POOLER", None)
    if through == "pgbouncer":
        env["DATABASE_POOLER"] = "transaction"  # a self-run PgBouncer's host says nothing

    log = tmp_path / "serve.log"
    async with (
        todo_chat_serve(env, cwd=tmp_path, log=log) as served,
        httpx.AsyncClient(base_url=served.url, timeout=30) as http,
    ):
        headers = {"Authorization": f"Bearer {make_token('alice')}"}
        created = await http.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=headers)
        assert created.status_code == 201, created.text
        chat = {"message": "Add a task to call mom"}
        answered = await http.post("/api/alice/chat", json=chat, headers=headers)
        assert answered.status_code == 200, answered.text
        found = await http.get("/api/alice/tasks", params={"q": "mom"}, headers=headers)
        assert [t["title"] for t in found.json()["tasks"]] == ["Call mom"]
        # The URL's parameters reached the server: its connections carry the URL's name.
        named = await count_rows(
            db_engine,
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = 'neon-style-test'",
        )
        assert named >= 1


async def test_libpq_parameters_reach_asyncpg(direct_database_url: str) -> None:
    """The test server is a primary: asking for a standby must fail, and only asyncpg can
    have read the request from the URL's parameters."""
    standby = make_url(direct_database_url).update_query_dict({"target_session_attrs": "standby"})
    engine = create_engine(standby.render_as_string(hide_password=False))
    try:
        with pytest.raises(DBAPIError, match="target attribute"):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
