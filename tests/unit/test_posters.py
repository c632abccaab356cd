"""The printed QR codes: they decode to their link (as a phone's scanner reads them), with or
without a Chinese font on the machine (without one, the ASCII lines stand in)."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from services import posters

LINK = "https://t.me/gridpatrol_bot?start=ws-WS-LHT"


def scan(png: bytes) -> tuple[list[str], tuple[int, int]]:
    with Image.open(io.BytesIO(png)) as img:
        return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))], img.size


@pytest.mark.parametrize("cjk", [True, False])
def test_posters_and_invite_cards_decode_to_their_links(
    cjk: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not cjk:
        monkeypatch.setattr(posters, "CJK_FONTS", ())
    posters._font.cache_clear()
    try:
        found, (width, height) = scan(posters.source_poster(LINK, "老虎潭水库", "WS-LHT", "妙西镇"))
        assert found == [LINK] and height > width
        invite = "https://t.me/gridpatrol_bot?start=AbCdEfGhIjKlMnOpQrStUv"
        found, _ = scan(posters.invite_card(invite, [posters.Line("巡查员 · 妙西东北村", "V1")]))
        assert found == [invite]
    finally:
        posters._font.cache_clear()
