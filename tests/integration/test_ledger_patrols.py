"""The ledger's patrol sheet (巡查): one row per closed patrol of the scope's water sources this
week, with its figures; a village manager's ledger leaves out another cell's patrols, and a
ledger with none leaves the sheet out."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook  # type: ignore[import-untyped]

from models import Checkpoint, Member, Patrol, PatrolState, WaterSource
from models.db import SessionFactory
from services.i18n import translator
from services.ledger import LedgerMode, build_workbook, load_ledger, scope_of, week_start
from services.settings import Settings
from tests.support.deadlines_world import NOW, build_world

TZ = ZoneInfo("Asia/Shanghai")


def _rows(book: Any, name: str) -> list[list[Any]]:
    return [list(row) for row in book[name].iter_rows(values_only=True)]


async def test_the_patrol_sheet_lists_the_scopes_patrols(sessions: SessionFactory,
                                                         settings: Settings) -> None:
    start = week_start(NOW, TZ) + timedelta(minutes=5)
    async with sessions() as session:
        w = await build_world(session)
        village_source = WaterSource(code="WS2", name="Xishan", cell_id=w.village.id)
        far_source = WaterSource(code="WS3", name="Beiling", cell_id=w.village3.id)
        session.add_all([village_source, far_source])
        await session.flush()
        session.add_all([Checkpoint(source_id=w.source.id, code=f"C{i}", name=f"C{i}",
                                    kind="gate", lat=30.0, lon=120.0, radius_m=50.0)
                         for i in range(3)])

        def patrol(source: WaterSource, who: Member, state: str = PatrolState.CLOSED,
                   **values: Any) -> Patrol:
            fields: dict[str, Any] = dict(
                member_id=who.id, source_id=source.id, level="township", state=state,
                started_at=start, ended_at=start + timedelta(minutes=62), distance_m=3456.0,
                points=40, flagged=3, passed=["C0", "C2"], verdict="counts", reason="")
            return Patrol(**(fields | values))

        session.add_all([patrol(w.source, w.township_manager),
                         patrol(village_source, w.village_manager, verdict="too_short",
                                reason="distance"),
                         patrol(far_source, w.volunteer),
                         patrol(w.source, w.volunteer, state=PatrolState.OPEN)])
        await session.commit()
        township_scope = await scope_of(session, w.township_manager)
        township = await load_ledger(session, township_scope, NOW, TZ, LedgerMode.ALL)
        village_scope = await scope_of(session, w.village_manager)
        village = await load_ledger(session, village_scope, NOW, TZ, LedgerMode.ALL)
        names = (w.township_manager.display_name, w.village_manager.display_name)

    book = load_workbook(BytesIO(build_workbook(township, translator("zh_CN"), settings)))
    rows = _rows(book, "巡查")
    assert rows[1] == ["序号", "巡查人", "水源地", rows[1][3], "开始时间", "分钟", "公里",
                       "打卡点（已过/应过）", "结论", "原因", "有效轨迹点", "剔除轨迹点"]
    body = rows[2:]
    assert len(body) == 2  # the open patrol and the other township's are not listed
    by_source = {row[2]: row for row in body}
    assert set(by_source) == {"Laohutan", "Xishan"}
    assert by_source["Laohutan"][1] == names[0]
    assert by_source["Laohutan"][5:8] == [62, 3.46, "2/3"]
    assert by_source["Laohutan"][10:] == [37, 3]
    assert by_source["Xishan"][7:10] == ["2/0", "不合格：时长或里程不足", "里程不足"]
    assert by_source["Laohutan"][8] == "有效"

    book = load_workbook(BytesIO(build_workbook(village, translator("en"), settings)))
    rows = _rows(book, "Patrols")
    assert [row[2] for row in rows[2:]] == ["Xishan"]
    assert rows[2][1] == names[1]

    async with sessions() as session:
        await session.execute(Patrol.__table__.delete())
        await session.commit()
        empty = await load_ledger(session, township_scope, NOW, TZ, LedgerMode.ALL)
    book = load_workbook(BytesIO(build_workbook(empty, translator("en"), settings)))
    assert "Patrols" not in book.sheetnames
