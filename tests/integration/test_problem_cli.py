"""`gridpatrol problems import` and `gridpatrol campaign show --sheet`, run in process as an
office runs them: the example list, imported twice, and its progress sheet opened again."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from bot.cli.main import main
from services.demo import DEMO_GRID
from tests.support.cli import config
from tests.support.problems import EXAMPLE_CSV, EXAMPLE_XLSX, example_maker

MAKER = example_maker()


def test_an_office_imports_its_list_twice_and_prints_the_campaign(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GRIDPATROL_DATABASE_URL", db_url)
    cfg = str(config(tmp_path))
    assert main(["--config", cfg, "grid", "import", str(DEMO_GRID)]) == 0
    capsys.readouterr()

    assert main(["--config", cfg, "problems", "import", str(EXAMPLE_XLSX)]) == 0
    out = capsys.readouterr().out
    assert "imported 10 problems (5 open, 5 already rectified), 0 already there" in out
    assert f"campaign '{MAKER.CAMPAIGN}' created, due 2026-11-30" in out

    assert main(["--config", cfg, "problems", "import", str(EXAMPLE_CSV)]) == 0
    assert "imported 0 problems (0 open, 0 already rectified), 10 already there" in (
        capsys.readouterr().out)

    sheet = tmp_path / "sheet.xlsx"
    assert main(["--config", cfg, "campaign", "show", MAKER.CAMPAIGN, "--sheet",
                 str(sheet)]) == 0
    out = capsys.readouterr().out
    # the dates have passed by now: every open problem is overdue, the rectified stay so
    assert "自查问题 9 个，已整改 5 个，0 个按计划推进，4 个已逾期" in out
    assert "上级交办问题 1 个，已整改 0 个，0 个按计划推进，1 个已逾期" in out
    rows = list(load_workbook(sheet).active.iter_rows(values_only=True))
    assert rows[4][:3] == ("序号", "水源地名称", "保护区类型") and len(rows) == 15

    assert main(["--config", cfg, "campaign", "list", "--lang", "en"]) == 0
    assert "10 problems, everything due by" in capsys.readouterr().out


def test_a_list_with_a_bad_row_is_refused_with_the_row_named(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GRIDPATROL_DATABASE_URL", db_url)
    cfg = str(config(tmp_path))
    assert main(["--config", cfg, "grid", "import", str(DEMO_GRID)]) == 0
    bad = tmp_path / "bad.csv"
    rows = (*MAKER.ROWS[:2], ("ZC-X", "自查", "湖州市", "老虎潭水库", "妙西东北村", "垃圾堆放",
                              "", "", "", "明天", "", "", "", ""))
    bad.write_bytes(MAKER.csv_bytes(rows))
    assert main(["--config", cfg, "problems", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "refused, nothing was written: 1 of 3 rows cannot be imported" in err
    assert ("row 4: 问题描述 (description) is empty; 整改时限 (deadline) '明天' is no date"
            in err)
    assert main(["--config", cfg, "campaign", "show", MAKER.CAMPAIGN]) == 1
    assert "no campaign named" in capsys.readouterr().err
