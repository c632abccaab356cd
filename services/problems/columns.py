"""The columns of a problem list as offices write them: each field and the headers it goes by,
in Chinese first (as 交办清单 and self-inspection lists are headed) and in English."""

from __future__ import annotations

from enum import StrEnum


class Field(StrEnum):
    NUMBER = "number"
    ISSUER = "issuer"
    ORIGIN = "origin"
    WATER_SOURCE = "water_source"
    PLACE = "place"
    CATEGORY = "category"
    DESCRIPTION = "description"
    CELL = "cell"
    DEADLINE = "deadline"
    CAMPAIGN = "campaign"
    ZONE = "zone"
    MEASURES = "measures"
    OWNER = "owner"
    PROGRESS = "progress"
    STATUS = "status"
    DONE_ON = "done_on"


# The headers a field is recognised by (compared without spaces, case and a trailing colon).
HEADERS: dict[Field, tuple[str, ...]] = {
    Field.NUMBER: ("编号", "问题编号", "交办编号", "number", "no."),
    Field.ISSUER: ("交办单位", "下发单位", "发文单位", "issuer", "issuing body"),
    Field.ORIGIN: ("来源", "问题来源", "origin"),
    Field.WATER_SOURCE: ("水源地", "水源地名称", "water source"),
    Field.PLACE: ("地点", "位置", "所在村", "所在村(社区)", "村(社区)", "place", "village"),
    Field.CATEGORY: ("问题类型", "问题类别", "category"),
    Field.DESCRIPTION: ("问题描述", "具体情况", "问题", "description"),
    Field.CELL: ("责任网格", "责任单位", "responsible cell"),
    Field.DEADLINE: ("整改时限", "计划完成时间", "完成时限", "deadline"),
    Field.CAMPAIGN: ("专项行动", "整改任务", "campaign"),
    Field.ZONE: ("保护区类型", "zone"),
    Field.MEASURES: ("整治措施", "整改措施", "measures"),
    Field.OWNER: ("责任人", "owner"),
    Field.PROGRESS: ("进展情况", "progress"),
    Field.STATUS: ("是否完成", "整改状态", "状态", "status"),
    Field.DONE_ON: ("完成时间", "销号时间", "done on"),
}
REQUIRED = (Field.NUMBER, Field.CATEGORY, Field.DESCRIPTION)
# A list must say where each problem is by one of these.
WHERE = (Field.CELL, Field.PLACE, Field.WATER_SOURCE)

ORIGINS: dict[str, str] = {"交办": "assigned", "上级交办": "assigned", "assigned": "assigned",
                           "自查": "self", "自查上报": "self", "self": "self"}
# What 是否完成 / 整改状态 may say: True is already rectified (struck off), False still open.
STATUSES: dict[str, bool] = {
    "是": True, "已完成": True, "已整改": True, "已整改完成": True, "已销号": True, "完成": True,
    "yes": True, "done": True, "closed": True, "rectified": True,
    "否": False, "未完成": False, "整改中": False, "推进中": False, "按计划推进": False,
    "no": False, "open": False, "in progress": False,
}
ZONES: dict[str, str] = {
    "一级保护区": "grade1", "一级": "grade1", "grade1": "grade1", "grade i": "grade1",
    "二级保护区": "grade2", "二级": "grade2", "grade2": "grade2", "grade ii": "grade2",
    "准保护区": "quasi", "quasi": "quasi",
}


def folded(text: str) -> str:
    """A header or a word as compared: no spaces, lower case, no trailing colon."""
    return "".join(text.split()).lower().rstrip(":：").replace("（", "(").replace("）", ")")


FIELD_BY_HEADER: dict[str, Field] = {
    folded(header): field for field, headers in HEADERS.items() for header in headers
}
