"""Migration 0007 on a database with cases filed before it: each case learns from its
"reported" event how its place was given, a village chosen from the list loses the inner
point that stood in for it, and nothing that refers to a case is lost with SQLite's rebuild of
the table (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.database import upgrade
from tests.support.databases import PG_ADMIN_URL, REQUIRE_PG, pg_reachable

BEFORE = "0006"
CELL = ("INSERT INTO grid_cell (id, code, name, level, path, boundary_wkt, properties, "
        "created_at, updated_at) VALUES (1, 'V1', '妙西东北村', 'village', '/1/', "
        "'POLYGON ((119 30, 121 30, 121 31, 119 31, 119 30))', '{}', :now, :now)")
CASE = ('INSERT INTO "case" (id, number, source, anonymous, category, severity, emergency, '
        "description, lat, lon, origin_cell_id, cell_id, state, reminders_sent, "
        "missed_deadlines, escalation_level, created_at, updated_at, version) VALUES "
        "(:id, :number, 'public', false, 'garbage', 'medium', false, '', :lat, :lon, 1, 1, "
        "'submitted', 0, 0, 0, :now, :now, 1)")
PENDING = ("INSERT INTO member (id, platform, platform_user_id, chat_id, display_name, role, "
           "language, active, created_at, updated_at) VALUES (1, 'telegram', '5001', '5001', "
           "'M', 'manager', 'zh_CN', true, :now, :now); "
           "INSERT INTO pending_action (member_id, kind, case_id, data, created_at, updated_at, "
           "expires_at) VALUES (1, 'plan', 1, '{}', :now, :now, :now)")
EVENT = ("INSERT INTO case_event (case_id, kind, payload, at) VALUES "
         "(:id, 'reported', :payload, :now)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'before.db'}"
        return
    problem = pg_reachable()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required but: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"gridpatrol_test_migration_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_older_cases_learn_how_their_place_was_given(empty_url: str) -> None:
    upgrade(empty_url, BEFORE)
    engine = sa.create_engine(empty_url.replace("postgresql://", "postgresql+psycopg://"))
    now = "2026-11-30 02:00:00"
    with engine.begin() as conn:
        conn.execute(sa.text(CELL), {"now": now})
        for case_id, source, point in ((1, "location", (30.79, 119.96)),
                                       (2, "menu", (30.5, 120.0)), (3, None, (30.6, 120.1))):
            conn.execute(sa.text(CASE), {"id": case_id, "number": f"HZ-2026-00000{case_id}",
                                         "lat": point[0], "lon": point[1], "now": now})
            payload = json.dumps({"place_source": source} if source else {"photos": 1})
            conn.execute(sa.text(EVENT), {"id": case_id, "payload": payload, "now": now})
        for statement in PENDING.split("; "):
            conn.execute(sa.text(statement), {"now": now})
    upgrade(empty_url)
    with engine.connect() as conn:
        # the rebuilt table keeps what hangs on it (pending actions cascade on delete)
        assert conn.execute(sa.text("SELECT case_id FROM pending_action")).all() == [(1,)]
        rows = conn.execute(sa.text(
            'SELECT id, place_source, lat, lon FROM "case" ORDER BY id')).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (1, "location", 30.79, 119.96),
        (2, "menu", None, None),  # the village's inner point was never measured
        (3, None, 30.6, 120.1),  # nothing recorded: the point as it was given
    ]
