"""`gridpatrol invite --group --cell CODE`: a startgroup link that binds a group chat."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from models.db import make_sync_engine
from services.demo import DEMO_GRID as DEMO
from tests.support.cli import config, gridpatrol

TOWNSHIP = "330502100"


def test_a_group_invite_is_a_startgroup_link_for_a_cell(tmp_path: Path, db_url: str) -> None:
    cfg = config(tmp_path, bot_username="hz_water_bot")
    assert gridpatrol("grid", "import", str(DEMO), cfg=cfg, db=db_url).returncode == 0
    done = gridpatrol("invite", "--group", "--cell", TOWNSHIP, cfg=cfg, db=db_url)
    assert done.returncode == 0, done.stderr
    match = re.match(r"https://t\.me/hz_water_bot\?startgroup=([A-Za-z0-9_-]{1,64})\n",
                     done.stdout)
    assert match, done.stdout
    assert f"/bind {match[1]}" in done.stdout and TOWNSHIP in done.stdout
    engine = make_sync_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT for_group, cell_id FROM invite")).one()
    engine.dispose()
    assert row[0] and row[1] is not None

    no_cell = gridpatrol("invite", "--group", cfg=cfg, db=db_url)
    assert no_cell.returncode == 1 and "--cell" in no_cell.stderr
    no_role = gridpatrol("invite", "--cell", TOWNSHIP, cfg=cfg, db=db_url)
    assert no_role.returncode == 1 and "--role" in no_role.stderr
