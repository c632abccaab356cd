"""What every `gridpatrol` command needs before it touches the database: the one-line
`CliError` and a reachable database with a current schema. (A session factory for one piece of
async work is `bot.runtime.with_sessions`, shared with the outbox's commands.)"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from models.db import is_sqlite, make_sync_engine
from services.settings import Settings


class CliError(Exception):
    """A one-line failure for the administrator; `code` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def check_database(settings: Settings) -> None:
    """Connect once; a database that is not reachable is one line, not a traceback."""
    url = settings.database.url
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise CliError(
            f"database: cannot connect to {safe_url(url)}: {reason[0] if reason else exc}"
        ) from None
    finally:
        engine.dispose()


def schema_is_current(settings: Settings) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from services.database import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config(settings.database.url)).get_heads())
    engine = make_sync_engine(settings.database.url)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    return current == heads


def upgrade_database(settings: Settings) -> None:
    from services.database import upgrade

    check_database(settings)
    upgrade(settings.database.url)
