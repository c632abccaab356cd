"""Writes data/problems-example.xlsx and data/problems-example.csv: a problem list in the shape
of the article's (the ministry assigned Huzhou one problem, due 31 October; the city's
self-inspection found nine, five already rectified and four due 30 November), on the demo grid.
The problems, numbers and villages are INVENTED; only the figures are the article's.

    python data/demo/make_problems.py          # from the checkout's top folder
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]

TITLE = "湖州市饮用水水源地问题清单（示例：问题、编号与村名均为虚构，数字取自报道）"
CAMPAIGN = "2026年饮用水水源地问题整改"
HEADERS = ("编号", "来源", "交办单位", "水源地", "地点", "问题类型", "问题描述", "责任网格",
           "整治措施", "整改时限", "专项行动", "保护区类型", "是否完成", "完成时间")
ROWS: tuple[tuple[str, ...], ...] = (
    ("环办交〔2026〕1号-01", "交办", "生态环境部", "老虎潭水库", "妙西东北村", "排污口",
     "二级保护区内一处雨污混接排口", "330502100004", "截污纳管，封堵排口", "2026-10-31",
     CAMPAIGN, "二级保护区", "否", ""),
    ("ZC-2026-01", "自查", "湖州市", "老虎潭水库", "妙西东北村", "垃圾堆放",
     "库区岸边生活垃圾堆放", "", "清运垃圾，设置垃圾收集点", "2026-09-30", CAMPAIGN,
     "一级保护区", "是", "2026-09-20"),
    ("ZC-2026-02", "自查", "湖州市", "对河口水库", "莫干山西南村", "畜禽养殖",
     "准保护区内散养家禽", "", "劝导清退", "2026-09-30", CAMPAIGN, "准保护区", "是",
     "2026-09-25"),
    ("ZC-2026-03", "自查", "湖州市", "合溪水库", "水口东南村", "游泳/垂钓",
     "库湾垂钓点无警示标牌", "", "设置警示牌，加强巡查", "2026-10-15", CAMPAIGN,
     "二级保护区", "是", "2026-10-10"),
    ("ZC-2026-04", "自查", "湖州市", "赋石水库", "孝丰西南村", "设施损坏",
     "一级保护区隔离围网破损约20米", "", "修复围网", "2026-10-15", CAMPAIGN,
     "一级保护区", "是", "2026-10-12"),
    ("ZC-2026-05", "自查", "湖州市", "老石坎水库", "报福东南村", "农业面源",
     "茶园化肥流失入库", "", "推广测土配方施肥", "2026-10-20", CAMPAIGN, "二级保护区",
     "是", "2026-10-18"),
    ("ZC-2026-06", "自查", "湖州市", "老虎潭水库", "妙西东北村", "违章建筑",
     "二级保护区内违建棚屋一处", "", "依法拆除", "2026-11-30", CAMPAIGN, "二级保护区",
     "否", ""),
    ("ZC-2026-07", "自查", "湖州市", "对河口水库", "莫干山西南村", "水产/网箱养殖",
     "库区残留网箱", "", "拆除网箱", "2026-11-30", CAMPAIGN, "一级保护区", "否", ""),
    ("ZC-2026-08", "自查", "湖州市", "合溪水库", "水口东南村", "船舶/危化品运输",
     "入库道路缺少危化品车辆限行标志", "", "设置限行标志与应急池", "2026-11-30", CAMPAIGN,
     "准保护区", "否", ""),
    ("ZC-2026-09", "自查", "湖州市", "赋石水库", "孝丰西南村", "排污口",
     "农家乐污水直排入溪", "", "纳管改造", "2026-11-30", CAMPAIGN, "二级保护区", "否", ""),
)


def xlsx_bytes(rows: tuple[tuple[str, ...], ...] = ROWS) -> bytes:
    """The list as an office's workbook: a title row, the header, the rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = "问题清单"
    sheet.append([TITLE])
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: tuple[tuple[str, ...], ...] = ROWS) -> bytes:
    """The same list as CSV in UTF-8 with a BOM (so Excel opens it as UTF-8)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def main() -> None:
    folder = Path(__file__).resolve().parents[1]
    (folder / "problems-example.xlsx").write_bytes(xlsx_bytes())
    (folder / "problems-example.csv").write_bytes(csv_bytes())
    print(f"wrote {folder / 'problems-example.xlsx'} and {folder / 'problems-example.csv'}")


if __name__ == "__main__":
    main()
