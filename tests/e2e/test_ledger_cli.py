"""`gridpatrol ledger export` as an office runs it: a real process writing a real .xlsx."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook  # type: ignore[import-untyped]

from models import CaseState, utcnow
from models.db import make_engine, make_session_factory
from tests.support.cli import config, gridpatrol
from tests.support.deadlines_world import build_world, new_case


async def _world(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with make_session_factory(engine)() as session:
            w = await build_world(session)
            now = utcnow()
            session.add_all([
                new_case(w, w.village, number="CLI-1", state=CaseState.ACCEPTED,
                         created_at=now - timedelta(days=3), due_at=now - timedelta(days=2)),
                new_case(w, w.village2, number="CLI-2", state=CaseState.CLOSED,
                         created_at=now - timedelta(days=2), closed_at=now - timedelta(hours=3)),
                new_case(w, w.village3, number="CLI-3", state=CaseState.SUBMITTED,
                         created_at=now - timedelta(days=1)),
            ])
            await session.commit()
    finally:
        await engine.dispose()


async def test_export_writes_the_cells_ledger(tmp_path: Path, db_url: str) -> None:
    await _world(db_url)
    cfg = config(tmp_path)
    out = tmp_path / "ledger.xlsx"
    done = gridpatrol("ledger", "export", "--cell", "C1T1", "--all", "--lang", "en", "-o",
                      str(out), cfg=cfg, db=db_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out}: ledger of Miaoxi, 2 cases (all), 1 overdue"
    book = load_workbook(out)
    assert book.sheetnames == ["Ledger", "Summary", "Overdue cases"]
    assert [r[1] for r in book["Ledger"].iter_rows(min_row=3, values_only=True)] == [
        "CLI-1", "CLI-2"]

    done = gridpatrol("ledger", "export", "--cell", "C1", cfg=cfg, db=db_url)  # open, zh_CN
    assert done.returncode == 0, done.stderr
    name = done.stdout.split()[1].rstrip(":")  # written where the command ran
    assert re.fullmatch(r"台账-Wuxing-\d{4}-\d\d-\d\d\.xlsx", name), done.stdout
    rows = list(load_workbook(tmp_path / name)["台账"].iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows] == ["CLI-1", "CLI-3"]


async def test_an_unknown_cell_is_one_line(tmp_path: Path, db_url: str) -> None:
    await _world(db_url)
    done = gridpatrol("ledger", "export", "--cell", "NOPE", "-o", str(tmp_path / "x.xlsx"),
                      cfg=config(tmp_path), db=db_url)
    assert done.returncode == 1
    assert done.stderr.strip() == "ledger: no grid cell with code 'NOPE'"
    assert not (tmp_path / "x.xlsx").exists()
