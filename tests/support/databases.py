"""The PostgreSQL server the tests use, and whether it must be there (CI) or may be missing."""

from __future__ import annotations

import os

import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("GRIDPATROL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("GRIDPATROL_REQUIRE_POSTGRES") == "1"


def pg_reachable() -> str | None:
    """None when the server answers, else the first line of why not."""
    try:
        engine = sa.create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means "no PostgreSQL here"
        return str(exc).splitlines()[0]
