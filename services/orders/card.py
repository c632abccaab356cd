"""The order as an image card (PNG bytes, made in a thread): a red-ruled title, then
label/value rows, wrapped character by character (Chinese has no spaces)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if CJK_FONT.exists():
        return ImageFont.truetype(str(CJK_FONT), size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: int) -> list[str]:
    """Break text to fit `width` pixels, character by character (Chinese has no spaces)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if draw.textlength(line + char, font=font) > width and line:  # type: ignore[arg-type]
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


def order_card_png(title: str, rows: list[tuple[str, str]], colour: str = "") -> bytes:
    """The order as an image card: a red-ruled title, then label/value rows (PNG bytes)."""
    width, margin = 900, 48
    title_font, label_font, body_font = _font(56), _font(28), _font(30)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    label_w = 220
    laid: list[tuple[str, list[str]]] = [
        (label, _wrap(scratch, value, body_font, width - 2 * margin - label_w))
        for label, value in rows
    ]
    height = 200 + sum(max(1, len(lines)) * 44 + 16 for _, lines in laid) + margin
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    accent = {"yellow": "#d4a000", "orange": "#e06000", "red": "#c00000"}.get(colour, "#c00000")
    draw.rectangle((8, 8, width - 9, height - 9), outline=accent, width=6)
    title_w = draw.textlength(title, font=title_font)
    draw.text(((width - title_w) / 2, 48), title, fill=accent, font=title_font)
    draw.line((margin, 140, width - margin, 140), fill=accent, width=4)
    y = 170
    for label, lines in laid:
        draw.text((margin, y + 2), label, fill="#555555", font=label_font)
        for line in lines or [""]:
            draw.text((margin + label_w, y), line, fill="black", font=body_font)
            y += 44
        y += 16
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
