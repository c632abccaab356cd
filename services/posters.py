"""Printable QR codes: an invite card (扫码加入) and a water source's poster for the sign at the
reservoir (扫码上报). Pillow work, bytes out; call it in a thread.

The QR code is made by segno (pure Python). Without a CJK font (Debian: fonts-wqy-microhei)
Chinese lines are left out and the ASCII `fallback` of each line is printed instead.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import segno
from PIL import Image, ImageDraw, ImageFont

from services.photos import CJK_FONTS

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
INK = (20, 20, 20)
ACCENT = (0, 92, 169)
PAPER = (255, 255, 255)


@dataclass(frozen=True)
class Line:
    """One line of text on a print: `text`, and what to print without a Chinese font."""

    text: str
    fallback: str = ""
    size: int = 40
    color: tuple[int, int, int] = INK


@cache
def _font(size: int) -> tuple[Font, bool]:
    for path in CJK_FONTS:
        if path.is_file():
            return ImageFont.truetype(str(path), size), True
    return ImageFont.load_default(size), False


def _ascii(text: str) -> bool:
    return all(ord(c) < 128 for c in text)


def qr_image(link: str, module_px: int) -> Image.Image:
    """The link as a QR code (error correction M, the standard quiet zone of 4 modules)."""
    code = segno.make(link, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=module_px, border=4)
    buffer.seek(0)
    with Image.open(buffer) as opened:
        return opened.convert("RGB")


def _fit(text: str, size: int, width: int) -> tuple[Font, int]:
    """The largest font up to `size` in which `text` fits `width`, and its line height."""
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    while True:
        font, cjk = _font(size)
        if size <= 14 or probe.textlength(text, font=font) <= width:
            _, top, _, bottom = font.getbbox("Hg国" if cjk else "Hg")
            return font, round(bottom - top)
        size = int(size * 0.9)


def compose(link: str, above: Sequence[Line], below: Sequence[Line], *, width: int,
            module_px: int) -> bytes:
    """A white page, `width` px wide: the lines above, the QR code centred, the lines below;
    PNG (sharp edges for the scanner and the printer)."""
    qr = qr_image(link, module_px)
    if qr.width > width:
        qr = qr.resize((width, width), Image.Resampling.NEAREST)
    cjk = _font(12)[1]
    margin = width // 16
    blocks: list[tuple[str, Font, int, tuple[int, int, int]]] = []
    for line in [*above, None, *below]:
        if line is None:
            blocks.append(("", _font(12)[0], -1, INK))  # the QR's place
            continue
        text = line.text if cjk or _ascii(line.text) else line.fallback
        if not text:
            continue
        font, height = _fit(text, line.size, width - 2 * margin)
        blocks.append((text, font, height, line.color))
    gap = margin // 2
    height = margin * 2 + sum(h + gap for _, _, h, _ in blocks if h >= 0) + qr.height + gap
    page = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(page)
    y = margin
    for text, font, line_h, color in blocks:
        if line_h < 0:
            page.paste(qr, ((width - qr.width) // 2, y))
            y += qr.height + gap
            continue
        x = (width - draw.textlength(text, font=font)) / 2
        top = font.getbbox("Hg国" if cjk else "Hg")[1]
        draw.text((x, y - top), text, font=font, fill=color)
        y += line_h + gap
    buffer = io.BytesIO()
    page.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def invite_card(link: str, lines: Sequence[Line]) -> bytes:
    """扫码加入: the invite's QR code under its title, to print or to show on a phone."""
    return compose(link, [Line("扫码加入", "Scan to join", 64, ACCENT), *lines],
                   [Line(link, link, 22)], width=900, module_px=12)


def source_poster(link: str, source_name: str, source_code: str, note: str = "") -> bytes:
    """扫码上报: the poster for the signs at a water source, A4 portrait at 150 dpi."""
    above = [Line(source_name, source_code, 96), Line("扫码上报", "Scan to report", 80, ACCENT)]
    below = [Line("发现水源地问题？扫码拍照上报，我们会告诉您处理结果。",
                  "Seen a problem here? Scan, send a photo, and hear what became of it.", 34)]
    if note:
        below.append(Line(note, note, 26))
    return compose(link, above, below, width=1240, module_px=20)
