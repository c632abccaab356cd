"""The `gridpatrol` command as an administrator runs it: a real process, a real database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa

from models.db import make_sync_engine
from services.demo import DEMO_GRID as DEMO
from tests.support.cli import config, gridpatrol

VILLAGE = "330502100004"


def snapshot(url: str) -> list[tuple[object, ...]]:
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            cells = conn.execute(sa.text(
                "select code, name, level, parent_id, path, boundary_wkt, updated_at "
                "from grid_cell order by code")).all()
            zones = conn.execute(sa.text(
                "select source_id, grade, boundary_wkt from protection_zone "
                "order by source_id, grade")).all()
            sources = conn.execute(sa.text(
                "select code, name, cell_id from water_source order by code")).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in [*cells, *zones, *sources]]


def test_help_lists_every_command(tmp_path: Path) -> None:
    done = gridpatrol("--help", cfg=config(tmp_path))
    assert done.returncode == 0
    for command in ("run [--webhook]", "sandbox", "quickstart", "db upgrade", "grid import FILE",
                    "grid show [CODE]", "invite --role ROLE", "members list"):
        assert command in done.stdout, command


def test_a_bad_config_is_one_line_naming_file_key_and_reason(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('urgent = "1h"', 'urgent = "1 hour"', 1),
                   encoding="utf-8")
    done = gridpatrol("members", "list", cfg=cfg)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"{cfg}: deadlines.accept.urgent: '1 hour' is not a duration like 30s, 30m, 2h or 3d"
    ]


def test_a_database_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    done = gridpatrol("db", "upgrade", cfg=config(tmp_path),
                      db="postgresql://nobody:secret@127.0.0.1:1/nowhere")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("database: cannot connect to postgresql://")
    assert "secret" not in lines[0]


def test_db_upgrade_creates_the_database_and_run_without_token_says_what_to_do(
    tmp_path: Path,
) -> None:
    cfg = config(tmp_path)
    done = gridpatrol("db", "upgrade", cfg=cfg)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "gridpatrol.db").exists()
    assert gridpatrol("members", "list", cfg=cfg).stdout.strip() == "no members yet"
    run = gridpatrol("run", cfg=cfg)
    assert run.returncode == 2
    assert "GRIDPATROL_TELEGRAM_TOKEN" in run.stderr and len(run.stderr.splitlines()) == 1


def test_grid_import_twice_leaves_the_same_database(tmp_path: Path, db_url: str) -> None:
    cfg = config(tmp_path)
    first = gridpatrol("grid", "import", str(DEMO), cfg=cfg, db=db_url)
    assert first.returncode == 0, first.stderr
    assert re.search(r"cells: \d+ created, 0 changed", first.stdout)
    after_first = snapshot(db_url)
    second = gridpatrol("grid", "import", str(DEMO), cfg=cfg, db=db_url)
    assert second.returncode == 0, second.stderr
    assert "Nothing to do" in second.stdout
    assert snapshot(db_url) == after_first

    shown = gridpatrol("grid", "show", "330502100", cfg=cfg, db=db_url)
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("330502100  妙西镇  [township]")
    assert f"  {VILLAGE}  妙西东北村  [village]" in lines


def test_a_bad_grid_file_is_refused_naming_the_feature(tmp_path: Path, db_url: str) -> None:
    cfg = config(tmp_path)
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"kind": "cell", "code": "X1", "name": "孤村", "level": "village",
                       "parent": "NOPE"},
        "geometry": {"type": "Polygon",
                     "coordinates": [[[120, 30], [120.1, 30], [120.1, 30.1], [120, 30]]]},
    }]}), encoding="utf-8")
    done = gridpatrol("grid", "import", str(bad), cfg=cfg, db=db_url)
    assert done.returncode == 1
    assert "X1" in done.stderr and "NOPE" in done.stderr
    assert snapshot(db_url) == []


def test_invite_prints_a_deep_link_and_members_list_shows_who_used_it(
    tmp_path: Path, db_url: str
) -> None:
    cfg = config(tmp_path, bot_username="hz_water_bot")
    assert gridpatrol("grid", "import", str(DEMO), cfg=cfg, db=db_url).returncode == 0
    done = gridpatrol("invite", "--role", "manager", "--cell", VILLAGE, "--expires", "2h",
                      cfg=cfg, db=db_url)
    assert done.returncode == 0, done.stderr
    match = re.match(r"https://t\.me/hz_water_bot\?start=([A-Za-z0-9_-]{1,64})\n", done.stdout)
    assert match, done.stdout

    unknown = gridpatrol("invite", "--role", "manager", "--cell", "NOPE", cfg=cfg, db=db_url)
    assert unknown.returncode == 1 and "NOPE" in unknown.stderr

    inspector = gridpatrol("invite", "--role", "supervisor", "--kind", "纪检", cfg=cfg, db=db_url)
    assert inspector.returncode == 0 and "kind discipline" in inspector.stdout, inspector.stderr
    wrong = gridpatrol("invite", "--role", "manager", "--cell", VILLAGE, "--kind", "纪检",
                       cfg=cfg, db=db_url)
    assert wrong.returncode == 1 and "only a supervisor" in wrong.stderr
    unknown_kind = gridpatrol("invite", "--role", "supervisor", "--kind", "督查", cfg=cfg,
                              db=db_url)
    assert unknown_kind.returncode == 1 and "discipline" in unknown_kind.stderr

    placeholder = gridpatrol("invite", "--role", "volunteer", cfg=config(tmp_path), db=db_url)
    assert placeholder.stdout.startswith("https://t.me/<your_bot>?start=")
    assert "bot_username" in placeholder.stderr

    engine = make_sync_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "insert into member (platform, platform_user_id, chat_id, display_name, role, "
            "cell_id, language, active, created_at, updated_at) select 'telegram', '77', '77', "
            "'王芳', 'manager', id, 'zh_CN', true, current_timestamp, current_timestamp "
            "from grid_cell where code = :code"), {"code": VILLAGE})
    engine.dispose()
    listed = gridpatrol("members", "list", cfg=cfg, db=db_url)
    assert listed.returncode == 0
    row = listed.stdout.splitlines()[1].split()
    assert row[1:] == ["telegram", "77", "王芳", "manager", VILLAGE, "zh_CN", "active"]
