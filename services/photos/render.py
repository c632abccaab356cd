"""Pictures we make from the evidence: a stamped display copy and the before/after of a fix.

Both are new JPEGs with no metadata at all (no EXIF, no GPS, no comment, no ICC): what is
sent on to managers says only what the stamp says. The original stays untouched on disk.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from services.i18n import N_
from services.photos.limits import PhotoLimits
from services.photos.opening import (
    DEFAULT_LIMITS,
    apply_orientation,
    load_checked,
    open_checked,
    orientation,
    oriented_size,
    read_exif,
)

LABEL_BEFORE: Final = N_("Before")
LABEL_AFTER: Final = N_("After")

QUALITY: Final = 85
BASE_QUALITY: Final = 92  # the base is compressed again when stamped: keep it near-lossless
MAX_STAMP_LINES: Final = 6
_MIN_STAMP_WIDTH: Final = 640  # a tall, narrow photo still gets a readable stamp
_BAND: Final = (32, 32, 32)
_INK: Final = (255, 255, 255)
_PAPER: Final = (255, 255, 255)
_LABEL_INK: Final = (20, 20, 20)

# Fonts with Chinese glyphs, first found wins (Debian: fonts-wqy-microhei, fonts-noto-cjk).
CJK_FONTS: Final = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
# A FreeType face must not be used by two threads at once, and fonts are shared (cached);
# Pillow holds the GIL while it renders today, this keeps us safe if that changes.
_TEXT_LOCK: Final = threading.Lock()


def has_cjk_font() -> bool:
    """Whether stamps can be drawn in Chinese here; without such a font they are in English."""
    return any(path.is_file() for path in CJK_FONTS)


@cache
def _font(size: int) -> tuple[Font, bool]:
    """(font, has CJK glyphs). Without a CJK font the stamp is reduced to ASCII."""
    for path in CJK_FONTS:
        if path.is_file():
            return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC), True
    return ImageFont.load_default(size), False


def _printable(text: str, cjk: bool) -> str:
    if cjk:
        return text
    return " ".join(text.encode("ascii", "ignore").decode().split())


def _wrap(draw: ImageDraw.ImageDraw, lines: Sequence[str], font: Font, width: int) -> list[str]:
    """Break lines to fit `width` (at a space when there is one; Chinese breaks anywhere),
    at most MAX_STAMP_LINES of them, the last marked with an ellipsis when text was left out."""
    out: list[str] = []
    for index, line in enumerate(lines):
        rest = line
        while rest and draw.textlength(rest, font=font) > width:
            if len(out) == MAX_STAMP_LINES:
                break
            low, high = 1, len(rest) - 1  # the longest prefix that fits, by bisection
            while low < high:
                mid = (low + high + 1) // 2
                if draw.textlength(rest[:mid], font=font) <= width:
                    low = mid
                else:
                    high = mid - 1
            cut = low
            space = rest.rfind(" ", 0, cut + 1)
            if space > cut // 2:
                cut = space
            out.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip()
        if len(out) == MAX_STAMP_LINES:
            if rest or index < len(lines) - 1:
                out[-1] = out[-1][: max(1, len(out[-1]) - 2)] + " …"
            break
        out.append(rest)
    return out


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest size of the same aspect within box (never enlarged)."""
    scale = min(box[0] / size[0], box[1] / size[1], 1.0)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _decode(data: bytes, box: int, limits: PhotoLimits) -> tuple[Image.Image, tuple[int, int], int]:
    """Open, draft (JPEG) and decode for a result of at most `box` px: (image, seen size, turn)."""
    img, seen, orient, _ = decode_opened(open_checked(data, limits), box)
    return img, seen, orient


def decode_opened(
    img: Image.Image, box: int
) -> tuple[Image.Image, tuple[int, int], int, Image.Exif]:
    """Decode an opened picture at the smallest JPEG scale that still covers `box` px.

    Returns (image, size as seen upright, EXIF orientation, EXIF); palette pictures come back
    as RGB(A), since they resize badly. The caller closes the image. EXIF is read after the
    decode: a PNG may keep it after the pixels, and reading it first would hide a broken file.
    """
    stored = img.size
    if img.format == "JPEG":
        img.draft("RGB", (box, box))
    load_checked(img)
    exif = read_exif(img)
    orient = orientation(exif)
    if img.mode in ("P", "PA", "1"):  # palette pictures resize badly (nearest neighbour only)
        converted = img.convert("RGBA" if img.mode == "PA" or "transparency" in img.info else "RGB")
        img.close()
        img = converted
    return img, oriented_size(stored, orient), orient, exif


def upright_copy(img: Image.Image, seen: tuple[int, int], orient: int, max_side: int) -> bytes:
    """A decoded picture as an upright JPEG of at most max_side px with no metadata: the base
    that display copies and before/after pictures are made from, without the original."""
    size = _fit(seen, (max_side, max_side))
    photo = _shrink(img, size, orient)
    if photo.mode != "RGB":
        canvas = Image.new("RGB", size, _PAPER)
        _paste(canvas, photo, (0, 0))
        photo = canvas
    return _jpeg(photo, BASE_QUALITY)


def _shrink(img: Image.Image, size: tuple[int, int], orient: int) -> Image.Image:
    """Resize to `size` (given upright) then turn upright: turning the small copy is cheaper."""
    stored = (size[1], size[0]) if orient >= 5 else size
    if img.size != stored:
        img = img.resize(stored, Image.Resampling.BICUBIC, reducing_gap=2.0)
    return apply_orientation(img, orient)


def _paste(canvas: Image.Image, img: Image.Image, at: tuple[int, int]) -> None:
    """Paste any mode onto the RGB canvas (transparency over white, 16-bit scaled down)."""
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        canvas.paste(rgba, at, rgba)
        return
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    canvas.paste(img if img.mode == "RGB" else img.convert("RGB"), at)


def _jpeg(canvas: Image.Image, quality: int = QUALITY) -> bytes:
    out = BytesIO()
    # EXIF, ICC and XMP are written only when passed; the COM comment is copied from
    # canvas.info unless overridden.
    canvas.save(out, "JPEG", quality=quality, comment=b"")
    return out.getvalue()


def render_display_copy(
    data: bytes,
    stamp_lines: Sequence[str],
    max_side: int = 1280,
    *,
    limits: PhotoLimits = DEFAULT_LIMITS,
) -> bytes:
    """The copy managers see: upright, at most max_side px, a footer band with the stamp.

    The stamp (services.cases.stamp: case number, time, place, cell) sits below the photo, never on
    it.
    """
    img, seen, orient = _decode(data, max_side, limits)
    with img:
        canvas = _stamped(img, seen, orient, stamp_lines, max_side)
    return _jpeg(canvas)


def _stamped(img: Image.Image, seen: tuple[int, int], orient: int, stamp_lines: Sequence[str],
             max_side: int) -> Image.Image:
    """The picture upright, shrunk so that it and the stamp band under it fit max_side px."""
    font_size = max(12, max_side // 50)
    font, cjk = _font(font_size)
    lines = [text for text in (_printable(s, cjk) for s in stamp_lines) if text]
    pad = max(6, font_size // 2)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    canvas_w, wrapped, size = max_side, lines, seen
    with _TEXT_LOCK:
        line_height = round(_line_height(font) * 1.25)
        for _ in range(3):  # the band's height and the photo's width depend on each other
            band = len(wrapped) * line_height + 2 * pad if wrapped else 0
            size = _fit(seen, (max_side, max_side - band))
            canvas_w = min(max_side, max(size[0], _MIN_STAMP_WIDTH if lines else 0))
            again = _wrap(measure, lines, font, canvas_w - 2 * pad)
            if again == wrapped:
                break
            wrapped = again
    band = len(wrapped) * line_height + 2 * pad if wrapped else 0
    size = _fit(seen, (canvas_w, max_side - band))
    photo = _shrink(img, size, orient)
    canvas = Image.new("RGB", (canvas_w, size[1] + band), _BAND)
    _paste(canvas, photo, ((canvas_w - size[0]) // 2, 0))
    draw = ImageDraw.Draw(canvas)
    with _TEXT_LOCK:
        for i, text in enumerate(wrapped):
            draw.text((pad, size[1] + pad + i * line_height), text, font=font, fill=_INK)
    return canvas


def _line_height(font: Font) -> int:
    _, top, _, bottom = font.getbbox("Hg国")
    return int(bottom - min(top, 0))


def before_after(
    before: bytes,
    after: bytes,
    labels: tuple[str, str],
    max_side: int = 1280,
    *,
    limits: PhotoLimits = DEFAULT_LIMITS,
    stamp: Sequence[str] = (),
) -> bytes:
    """One JPEG of the two photos, each under its label, for the proof of a fix; with a
    `stamp`, the same footer band as a display copy under both (all within max_side).

    Side by side or stacked, whichever shows the photos larger: landscape photos stack,
    portrait photos sit side by side.
    """
    font, cjk = _font(max(14, max_side // 36))
    texts = [_printable(label, cjk) for label in labels]
    with _TEXT_LOCK:
        label_h = round(_line_height(font) * 1.5)
    gap = max(4, max_side // 160)
    decoded = [_decode(data, max_side, limits) for data in (before, after)]
    try:
        (a_w, a_h), (b_w, b_h) = (seen for _, seen, _ in decoded)
        ra, rb = a_w / a_h, b_w / b_h
        # side by side: common height h, h*(ra+rb)+gap <= max_side, h+label <= max_side
        h = min(max_side - label_h, (max_side - gap) / (ra + rb))
        side_area = h * h * (ra + rb)
        # stacked: common width w, w/ra + w/rb + 2 labels + gap <= max_side, w <= max_side
        w = min(max_side, (max_side - 2 * label_h - gap) / (1 / ra + 1 / rb))
        stacked_area = w * w * (1 / ra + 1 / rb)
        if side_area >= stacked_area:
            sizes = [(max(1, int(h * r)), max(1, int(h))) for r in (ra, rb)]
            canvas = Image.new("RGB", (sizes[0][0] + gap + sizes[1][0], sizes[0][1] + label_h),
                               _PAPER)
            spots = [(0, label_h), (sizes[0][0] + gap, label_h)]
        else:
            sizes = [(max(1, int(w)), max(1, int(w / r))) for r in (ra, rb)]
            canvas = Image.new("RGB", (sizes[0][0], sizes[0][1] + sizes[1][1] + 2 * label_h + gap),
                               _PAPER)
            spots = [(0, label_h), (0, 2 * label_h + sizes[0][1] + gap)]
        draw = ImageDraw.Draw(canvas)
        for (img, _, orient), size, (x, y), text in zip(decoded, sizes, spots, texts, strict=True):
            _paste(canvas, _shrink(img, size, orient), (x, y))
            with _TEXT_LOCK:
                draw.text((x + gap, y - label_h // 2), text, font=font, fill=_LABEL_INK,
                          anchor="lm")
    finally:
        for img, _, _ in decoded:
            img.close()
    if stamp:
        canvas = _stamped(canvas, canvas.size, 1, stamp, max_side)
    return _jpeg(canvas)


async def render_display_copy_async(
    data: bytes,
    stamp_lines: Sequence[str],
    max_side: int = 1280,
    *,
    limits: PhotoLimits = DEFAULT_LIMITS,
) -> bytes:
    return await asyncio.to_thread(
        render_display_copy, data, stamp_lines, max_side, limits=limits
    )


async def before_after_async(
    before: bytes,
    after: bytes,
    labels: tuple[str, str],
    max_side: int = 1280,
    *,
    limits: PhotoLimits = DEFAULT_LIMITS,
    stamp: Sequence[str] = (),
) -> bytes:
    return await asyncio.to_thread(before_after, before, after, labels, max_side, limits=limits,
                                   stamp=stamp)
