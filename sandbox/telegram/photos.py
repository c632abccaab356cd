"""Photos as Telegram stores them: a ladder of recompressed JPEG sizes, EXIF gone.

Telegram takes any picture a phone makes as a photo (a 54 MP original included) and keeps
only downsized copies, the largest at most 2560 px on the long side (1280 unless sent in HD).
The bound here only guards the sandbox against decompression bombs."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

LADDER = (90, 320, 800, 1280)
MAX_PIXELS = 150_000_000  # 200 MP phone cameras save 12-50 MP pictures by default


class NotAnImage(ValueError):
    """The bytes are not a picture Pillow can read (Telegram: IMAGE_PROCESS_FAILED)."""


def photo_ladder(data: bytes) -> list[tuple[int, int, bytes]]:
    """(width, height, jpeg) for every rung up to the picture's own size, smallest first."""
    try:
        with warnings.catch_warnings():
            # Pillow warns past ~89 MP; our own bound below decides, and draft() keeps a
            # large JPEG's decode small.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.width * opened.height > MAX_PIXELS:
                raise NotAnImage("picture too large")
            opened.draft("RGB", (LADDER[-1], LADDER[-1]))
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc
    long_side = max(image.size)
    sizes: list[tuple[int, int, bytes]] = []
    for rung in LADDER:
        target = min(rung, long_side)
        scale = target / long_side
        width = max(1, round(image.width * scale))
        height = max(1, round(image.height * scale))
        resized = image if (width, height) == image.size else image.resize(
            (width, height), Image.Resampling.LANCZOS
        )
        buffer = io.BytesIO()
        resized.save(buffer, "JPEG", quality=87 if rung > 90 else 70, comment=b"")
        sizes.append((width, height, buffer.getvalue()))
        if target == long_side:
            break
    return sizes
