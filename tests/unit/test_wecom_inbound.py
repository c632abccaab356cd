"""WeCom's messages as the conversations see them: a text, a picture to fetch by MediaId, a
location moved from GCJ-02 onto WGS-84 (Location_X is the latitude), a card button's key, a
menu click as the command it names."""

from __future__ import annotations

import pytest

from bot.wecom import parse_xml
from bot.wecom.inbound import inbound_of
from handlers.chat import Inbound
from sandbox.wecom import App, card_event, image, location, message_xml, text
from services.grid import Datum, distance_m
from services.grid.datum import wgs84_to_gcj02

APP = App("ww1234567890abcdef", 1000002, "t", "k" * 43)
INTAKE = (30.78783, 119.95968)  # the demo grid's grade-I zone, WGS-84


async def nothing(ref: str) -> bytes:
    return ref.encode()


def read(xml: str, datum: Datum = Datum.GCJ02) -> Inbound:
    found = inbound_of(parse_xml(xml), nothing, datum)
    assert found is not None
    return found


def test_a_text_is_a_text_from_the_member_in_their_private_chat() -> None:
    got = read(text(APP, "ZhangSan", "/report"))
    assert (got.who.channel, got.who.user_id, got.who.chat_id, got.who.private) == (
        "wecom", "ZhangSan", "ZhangSan", True)
    assert got.command == "/report"


async def test_a_picture_is_fetched_by_its_media_id() -> None:
    got = read(image(APP, "lisi", "MEDIA-1"))
    assert got.picture is not None and got.picture.ref == "MEDIA-1"
    assert await got.fetch(got.picture.ref) == b"MEDIA-1"


def test_a_location_from_the_wecom_map_lands_where_the_member_stood() -> None:
    shown = wgs84_to_gcj02(*INTAKE)  # what WeCom's map sends for that spot
    got = read(location(APP, "wangwu", *shown, "老虎潭水库"))
    assert got.location is not None
    assert distance_m(*got.location, *INTAKE) < 0.01
    naive = read(location(APP, "wangwu", *shown), Datum.WGS84).location
    assert naive is not None and distance_m(*naive, *INTAKE) > 300  # what routing would miss


def test_a_card_button_is_a_press_with_its_response_code_kept() -> None:
    got = read(card_event(APP, "lisi", "c:12:acc:3", "task-9", "RC-1"))
    assert got.press == "c:12:acc:3"
    assert got.pressed is not None and got.pressed.message_id == "task-9"
    assert got.memo["response_code"] == "RC-1"


@pytest.mark.parametrize(("event", "fields", "expected"), [
    ("click", {"EventKey": "/report"}, "/report"),
    ("subscribe", {"EventKey": ""}, "/start"),
])
def test_a_menu_click_and_joining_the_app_are_commands(
    event: str, fields: dict[str, str], expected: str
) -> None:
    got = read(message_xml(APP, "lisi", "event", {"Event": event, **fields}))
    assert got.text == expected


def test_entering_the_app_asks_nothing_and_a_voice_is_something_else() -> None:
    entered = message_xml(APP, "lisi", "event", {"Event": "enter_agent", "EventKey": ""})
    assert inbound_of(parse_xml(entered), nothing, Datum.GCJ02) is None
    voice = read(message_xml(APP, "lisi", "voice", {"MediaId": "v", "Format": "amr"}, msg_id=1))
    assert voice.other == "voice"
