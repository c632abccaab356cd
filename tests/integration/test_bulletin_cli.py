"""`gridpatrol bulletin list` and `gridpatrol bulletin show NUMBER --docx FILE`, run in process
as an office runs them, over a bulletin issued in the chat's way."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from bot.cli.main import main
from models import GridCell, Member, Stage, utcnow
from models.db import SessionFactory
from services.bulletins import acknowledge, draft_for, issue
from services.settings import Settings
from tests.support.cli import config
from tests.support.deadlines_world import World, new_case


async def _main(argv: list[str]) -> int:
    """The command as an office runs it: its own event loop (so not on the test's)."""
    return await asyncio.to_thread(main, argv)


async def test_the_issued_bulletins_are_counted_and_one_is_written_again(
    sessions: SessionFactory, world: World, fast: Settings, db_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    now = utcnow()
    async with sessions() as s:
        case = new_case(world, world.village, stage=Stage.ACCEPT, settings=fast,
                        now=now - timedelta(days=2))
        s.add(case)
        await s.commit()
        supervisor = await s.get(Member, world.supervisor.id)
        scope = await s.get(GridCell, world.city.id)
        assert supervisor is not None
        row = await draft_for(s, supervisor, scope, frozenset(), now - timedelta(days=15), now)
        assert (await issue(s, fast, row.id, supervisor, now)).ok
        await s.commit()
        manager = await s.get(Member, world.village_manager.id)
        assert manager is not None
        assert (await acknowledge(s, row.id, manager, now)).ok
        await s.commit()
        number = row.number
    year = now.astimezone(ZoneInfo(fast.locale.timezone)).year
    assert number == f"{year}年第1期"

    monkeypatch.setenv("GRIDPATROL_DATABASE_URL", db_url)
    cfg = str(config(tmp_path))
    assert await _main(["--config", cfg, "bulletin", "list"]) == 0
    out = capsys.readouterr().out
    assert f"1 bulletin issued in {year}; acknowledged by 1 of 1 recipient" in out
    assert f"{number}  " in out and "acknowledged 1 of 1" in out
    assert await _main(["--config", cfg, "bulletin", "list", "--year", str(year - 1)]) == 0
    assert f"0 bulletins issued in {year - 1}" in capsys.readouterr().out

    path = tmp_path / "bulletin.docx"
    assert await _main(["--config", cfg, "bulletin", "show", number, "--docx", str(path),
                 "--lang", "zh_CN"]) == 0
    out = capsys.readouterr().out
    assert "Village manager: acknowledged" in out and f"wrote {path}" in out
    document = Document(str(path))
    words = "\n".join(p.text for p in document.paragraphs)
    assert number in words and "督查通报" in words
    assert case.number in [c.text for t in document.tables for r in t.rows for c in r.cells]

    assert await _main(["--config", cfg, "bulletin", "show", "2000年第9期"]) != 0
    assert "no issued bulletin numbered '2000年第9期'" in capsys.readouterr().err
