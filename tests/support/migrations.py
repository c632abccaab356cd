"""An empty database of its own for a migration test (SQLite in tmp_path, or a fresh PostgreSQL
database dropped after), to bring up to an older revision and then upgrade."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.databases import PG_ADMIN_URL, REQUIRE_PG, pg_reachable


@contextmanager
def empty_database(kind: str, tmp_path: Path, stem: str) -> Iterator[str]:
    """The URL of an empty database of `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'{stem}.db'}"
        return
    problem = pg_reachable()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required but: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"gridpatrol_test_{stem}_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
