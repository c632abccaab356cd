"""The ledger workbook for 10,000 cases (the three sheets with their title rows, 序号 and print
set-up, text guarded, rows coloured, times local) against openpyxl's write-only mode given the
same tables as plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]

from bench.common import Figure, best_of
from bot.config import load_settings
from services.figures import Figures
from services.i18n import translator
from services.ledger import Ledger, LedgerMode, LedgerRow, build_workbook
from services.ledger.book import _Labels, _ledger_values, _overdue_values

ROOT = Path(__file__).resolve().parent.parent
ROWS = 10_000
NOW = datetime(2026, 11, 20, 2, tzinfo=UTC)


def _rows() -> list[LedgerRow]:
    return [LedgerRow(
        number=f"HZ-2026-{i:06d}", reported_at=NOW - timedelta(hours=i), source="public",
        category="garbage", severity="medium", emergency=i % 50 == 0,
        description=("=1+1 " if i % 100 == 0 else "") + "河边有人倾倒生活垃圾，气味很大",
        place=("吴兴区", "妙西镇", "妙西东北村"), lat=30.8, lon=120.0, water_source="老虎潭水库",
        zone="grade2", state="rectifying", responsible_cell="妙西东北村", assignee="张三",
        plan_task="清理垃圾", plan_steps="1. 清理\n2. 设牌", plan_owner="李四", plan_due=NOW,
        due_at=NOW - timedelta(days=i % 5), overdue_days=(i % 5) or None,
        escalation_level=i % 4, closed_at=None, reporter=None if i % 7 == 0 else "王五",
        anonymous=i % 7 == 0, accepted_by="赵六", fixed_at=NOW if i % 3 == 0 else None,
        checker="钱七" if i % 3 == 0 else None, checked_at=NOW if i % 3 == 0 else None,
    ) for i in range(ROWS)]


def run() -> list[Figure]:
    settings = load_settings(ROOT / "config.toml")
    t = translator("zh_CN")
    rows = _rows()
    ledger = Ledger("吴兴区", "330502", NOW, NOW, LedgerMode.OPEN, rows, False, Figures())
    words = _Labels(t, settings)

    def plain(values: list[object]) -> list[object]:
        """As openpyxl takes them: naive times, and no text that would turn into a formula."""
        return [v.replace(tzinfo=None) if isinstance(v, datetime)
                else None if isinstance(v, str) and v.startswith("=") else v for v in values]

    sheets = [[plain(_ledger_values(r, words)) for r in rows],
              [plain(_overdue_values(r, words)) for r in rows if r.overdue_days is not None]]

    def bare() -> bytes:
        wb = Workbook(write_only=True)
        for index, lines in enumerate(sheets):
            ws = wb.create_sheet(f"bare{index}")
            for line in lines:
                ws.append(line)
        out = BytesIO()
        wb.save(out)
        return out.getvalue()

    ours = best_of(lambda: build_workbook(ledger, t, settings), repeat=3)
    baseline = best_of(bare, repeat=3)
    return [Figure(
        name=f"ledger .xlsx, {ROWS:,} cases (s)", ours=ours, baseline=baseline, unit="s",
        goal=2.0, note="baseline: write-only openpyxl, the same two tables as plain values "
        "(no styles, no text guard, no summary)",
    )]
