"""Schema upgrades through Alembic, callable from the CLI, the sandbox and the tests."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config


def migrations_dir() -> Path:
    """The Alembic scripts shipped inside the models package (models/migrations/)."""
    folder = resources.files("models") / "migrations"
    if not isinstance(folder, Path):  # a zipped install: Alembic reads scripts from a folder
        raise RuntimeError(f"models: {folder} is not a folder on disk; install gridpatrol unzipped")
    return folder


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (sync; run it in a thread from async code)."""
    command.upgrade(alembic_config(url), revision)
