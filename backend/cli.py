"""The `todo-chat` command: serve, migrate, token, chat (docs/api.md §2)."""

import argparse
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from backend.auth.tokens import local_token, parse_ttl
from backend.db.embedded import EmbeddedPostgres
from backend.db.migrate import upgrade
from backend.metrics.serving import multiprocess_metrics, start_metrics_port
from backend.settings import Settings, SettingsError, load_settings
from backend.web.dev_code import dev_mode, dev_sign_in_code


@contextmanager
def _database(settings: Settings) -> Iterator[str]:
    """The configured database, or the embedded one for as long as the command runs."""
    if settings.database_url:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.data_dir)
    try:
        yield embedded.url
    finally:
        embedded.stop()


def _exit_on_signal(signum: int, _: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def served_url(host: str, port: int) -> str:
    """Where a client on this machine reaches `serve --host HOST --port PORT`."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "[::1]"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    if args.workers > 1 and not settings.redis_url:
        print(
            "todo-chat serve: --workers above 1 needs REDIS_URL (workers share run events,"
            " stop signals, the live feed and the chat limits through Redis)",
            file=sys.stderr,
        )
        return 2
    # uvicorn raises SIGTERM again once it has shut down gracefully; by default that kills
    # the process on the spot, leaving an embedded PostgreSQL running. As SystemExit it
    # unwinds through `_database`, which stops it.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with _database(settings) as url, multiprocess_metrics(settings):
        start_metrics_port(settings, args.host)
        upgrade(url, pooler=settings.database_pooler)
        # Workers are separate processes: they find the database through the environment.
        os.environ["DATABASE_URL"] = url
        if "public_url" not in settings.model_fields_set:
            # /mcp's OAuth metadata then names the port actually served, not the default's.
            os.environ["PUBLIC_URL"] = served_url(args.host, args.port)
        uvicorn.run(
            "backend.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            timeout_graceful_shutdown=args.graceful_shutdown,
            log_level="warning",
            # uvicorn's h11 protocol with the limits a server facing the internet needs
            # (docs/limits.md): httptools buffers any header size and neither bounds slow
            # clients.
            http="backend.http.guard:GuardedH11Protocol",
        )
    return 0


def _migrate(_: argparse.Namespace) -> int:
    settings = load_settings()
    with _database(settings) as url:
        upgrade(url, pooler=settings.database_pooler)
    print("migrations applied")
    return 0


def _token(args: argparse.Namespace) -> int:
    token = local_token(load_settings(), args.user_id, args.ttl)
    if token is None:
        print("todo-chat token needs AUTH_SECRET (tokens for JWKS setups come from your IdP)")
        return 2
    print(token)
    return 0


def _dev_code(_: argparse.Namespace) -> int:
    settings = load_settings()
    if not dev_mode(settings):
        print("no dev sign-in here: AUTH_SECRET or AUTH_JWKS_URL is set (use todo-chat token)")
        return 2
    print(dev_sign_in_code(settings))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="todo-chat", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server (applies migrations first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--graceful-shutdown", type=float, default=10.0, metavar="SECONDS")
    serve.set_defaults(handler=_serve)

    commands.add_parser("migrate", help="alembic upgrade head").set_defaults(handler=_migrate)

    token = commands.add_parser("token", help="print a signed JWT for USER_ID")
    token.add_argument("user_id")
    token.add_argument(
        "--ttl", default="1h", type=parse_ttl, help="lifetime, e.g. 15m, 1h, 7d (default 1h)"
    )
    token.set_defaults(handler=_token)

    commands.add_parser(
        "dev-code", help="print the page's dev sign-in code (dev mode; also logged at start)"
    ).set_defaults(handler=_dev_code)

    _add_chat_command(commands)
    return parser


def _add_chat_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from backend.chat_cli import add_chat_command

    add_chat_command(commands)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except SettingsError as error:
        print(f"todo-chat: bad setting: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
