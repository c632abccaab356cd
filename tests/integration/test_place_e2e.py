"""Through the real bot: a place the bot refused is kept nowhere. The field report: a photo file
with Beijing's GPS, refused, then 老虎潭水库 › 妙西东北村 from the list; the case's cards, map
links and photo stamp name the chosen village, approximately, and never Beijing. And a point
typed outside the village chosen from the list is refused, naming the village."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

import services.cases.display
import services.cases.stamp
from models import Case, GridCell, Member, Photo
from tests.support import images
from tests.support.cases import send_outbox
from tests.support.harness import SimUser, TelegramHarness
from tests.support.report import finish_from_place, volunteer
from tests.support.report_world import (
    IN_GRADE1,
    PLAIN_VILLAGE,
    VILLAGE,
    add_manager,
    buttons,
    deps,
    press,
    texts,
)

BEIJING = (39.9042, 116.4074)


def body(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


def links(message: dict[str, Any]) -> list[str]:
    entities = message.get("entities") or message.get("caption_entities") or []
    return [e["url"] for e in entities if e["type"] == "text_link"]


async def manager(h: TelegramHarness, uid: int, name: str, language: str) -> SimUser:
    await add_manager(deps(h).sessions, uid, name, VILLAGE)
    async with deps(h).sessions() as s:
        await s.execute(update(Member).where(Member.platform_user_id == str(uid))
                        .values(language=language))
        await s.commit()
    user = h.user(name, language_code="zh-hans" if language == "zh_CN" else "en", user_id=uid)
    await h.send_text(user, "/start")
    return user


def record_stamps(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The stamp lines every display copy is drawn with (the drawing itself still runs)."""
    drawn: list[list[str]] = []
    real = services.cases.display.render_display_copy

    def recording(data: bytes, lines: Sequence[str], *args: Any, **kwargs: Any) -> bytes:
        drawn.append(list(lines))
        return real(data, lines, *args, **kwargs)

    monkeypatch.setattr(services.cases.display, "render_display_copy", recording)
    return drawn


async def village_bounds(h: TelegramHarness) -> tuple[float, float, float, float]:
    import shapely

    async with deps(h).sessions() as s:
        cell = await s.scalar(select(GridCell).where(GridCell.code == VILLAGE))
        assert cell is not None
        lon0, lat0, lon1, lat1 = shapely.from_wkt(cell.boundary_wkt).bounds
    return lat0, lon0, lat1, lon1


async def test_a_refused_photo_gps_then_a_list_choice_leaves_no_trace_of_beijing(
    bot_harness: TelegramHarness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = bot_harness
    monkeypatch.setattr(services.cases.stamp, "has_cjk_font", lambda: True)  # any fonts here
    stamps = record_stamps(monkeypatch)
    chinese = await manager(h, 5001, "村网格员", "zh_CN")
    english = await manager(h, 5002, "Village manager", "en")
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg_with_exif(lat=BEIJING[0], lon=BEIJING[1]),
                       as_file=True)
    await press(h, user, "✅ Done")
    told = texts(h, user)[-2:]
    assert "Your photo file says it was taken at 39.90420, 116.40740, outside every grid cell " \
           "I know, so I cannot use it." in told[-1], told
    assert not any("✅ Use the photo's place" in buttons(m) for m in h.messages_to(user))
    await h.send_text(user, "📋 Choose from a list")
    await press(h, user, "老虎潭水库")
    await press(h, user, "妙西东北村")
    assert "chosen from the list: 湖州市 › 吴兴区 › 妙西镇 › 妙西东北村" in texts(h, user)[-2]
    await finish_from_place(h, user)

    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
        photo = (await s.scalars(select(Photo))).one()
    assert (case.lat, case.lon, case.place_source) == (None, None, "menu")
    assert (photo.exif_lat, photo.exif_lon) != (None, None)  # the original is kept unaltered
    await send_outbox(h)

    lat0, lon0, lat1, lon1 = await village_bounds(h)
    card = next(m for m in h.messages_to(chinese) if case.number in body(m))
    assert "位置：按列表选择 妙西东北村（地图，大致位置）" in body(card)
    assert "39.9" not in body(card) and "116.4" not in body(card)
    [amap] = links(card)
    position = parse_qs(urlsplit(amap).query)["position"][0]
    lon, lat = (float(v) for v in position.split(","))
    assert amap.startswith("https://uri.amap.com/marker?")
    # GCJ-02 moves a point here by some 500 m: still by the village, nowhere near Beijing
    assert lat0 - 0.01 < lat < lat1 + 0.01 and lon0 - 0.01 < lon < lon1 + 0.01

    card = next(m for m in h.messages_to(english) if case.number in body(m))
    assert "Place: chosen from the list: 妙西东北村 (map, approximate)" in body(card)
    [osm] = links(card)
    mlat = float(parse_qs(urlsplit(osm).query)["mlat"][0])
    assert osm.startswith("https://www.openstreetmap.org/") and lat0 <= mlat <= lat1

    # the display copy both managers got is stamped with the village, never the refused point
    assert stamps, "no display copy was drawn"
    for lines in stamps:
        assert lines[0] == case.number and "拍摄 2026-05-01 09:30 CST" in lines
        assert "按列表选择 妙西东北村" in lines
        assert not any("39.9" in line or "116.4" in line for line in lines)


async def test_a_point_outside_the_village_chosen_from_the_list_is_asked_again(
    bot_harness: TelegramHarness,
) -> None:
    h = bot_harness
    english = await manager(h, 5002, "Village manager", "en")
    user = await volunteer(h)
    await h.send_text(user, "/report")
    await press(h, user, "Dumped garbage")
    await h.send_photo(user, images.jpeg(seed=81))
    await press(h, user, "✅ Done")
    await h.send_text(user, "📋 Choose from a list")
    await press(h, user, "老虎潭水库")
    await press(h, user, "妙西东北村")
    await h.send_text(user, "⬅️ Back")  # from the description back to the place
    await h.send_text(user, f"{PLAIN_VILLAGE[0]}, {PLAIN_VILLAGE[1]}")
    assert any("is in 东林东南村, not in 妙西东北村, which you chose from the list" in t
               and "a point inside 妙西东北村" in t for t in texts(h, user)[-3:])
    async with deps(h).sessions() as s:
        from models import Draft

        draft = (await s.scalars(select(Draft))).one()
        assert (draft.step, draft.lat, draft.place_source) == ("place", None, "menu")
    await h.send_text(user, f"{IN_GRADE1[0]}, {IN_GRADE1[1]}")
    await finish_from_place(h, user)
    async with deps(h).sessions() as s:
        case = (await s.scalars(select(Case))).one()
    assert (case.lat, case.lon, case.place_source, case.zone) == (*IN_GRADE1, "typed", "grade1")
    await send_outbox(h)
    card = next(m for m in h.messages_to(english) if case.number in body(m))
    assert "Place: 30.79000, 119.96000 (typed coordinates)" in body(card)
