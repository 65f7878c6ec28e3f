"""Apply Alembic migrations programmatically (used by `todo-chat migrate` / `serve` and tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations
from backend.db.url import Pooler

MIGRATIONS_DIR = Path(migrations.__file__).parent


def alembic_config(database_url: str, pooler: Pooler | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    config.attributes["database_pooler"] = pooler
    return config


def upgrade(database_url: str, revision: str = "head", *, pooler: Pooler | None = None) -> None:
    command.upgrade(alembic_config(database_url, pooler), revision)
