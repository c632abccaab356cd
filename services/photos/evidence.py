"""Photos as evidence: check, read (EXIF time and place, perceptual hash), store unaltered.

Pillow work is `bytes -> bytes`/facts, pure and synchronous; callers on the event loop use the
`*_async` wrappers or `ingest`, which run it in a thread. Display copies and the before/after
picture live in `services.photos.render` and are re-exported here.

Storage, in the photo store config chooses (`services.photos.store`): the original, byte for
byte, at `ab/cd/<sha256>.<ext>`; beside it a derived display base (upright, <= display_max_side
px, no metadata) at `base/ab/cd/<sha256>.jpg`, made by `ingest` from the same decode, so that
stamping a display copy later does not decode the 12 MP original again. `display_source()`
returns the base, or the original without one.

Accepted: JPEG, PNG, WebP and still GIF (a single-frame GIF is just a palette picture).
Refused: HEIC/HEIF/AVIF (send it as a photo), animations of any format, other formats.

Perceptual hash: a DCT pHash (32x32 greyscale, lowest 8x8 frequencies against their median),
computed in pure Python on the 32x32 thumbnail (~0.5 ms); numpy is in the venv (through
Shapely) but is not needed for 64 coefficients. `inspect_photo` hashes a 1/8-scale decode,
`prepare_photo`/`ingest` the display-scale one: the two agree within the duplicate distance
(<= 6 bits) on photos, not bit for bit; stored hashes all come from `ingest`.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Final
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image

from services.photos.limits import PhotoLimits
from services.photos.opening import (
    DEFAULT_LIMITS,
    EXTENSION,
    MIME,
    apply_orientation,
    load_checked,
    open_checked,
    orientation,
    oriented_size,
    read_exif,
    sniff,
)
from services.photos.render import (
    decode_opened,
    upright_copy,
)
from services.photos.store import BlobKind, PhotoMissing, PhotoStore

DEFAULT_TZ: Final = "Asia/Shanghai"
_HASH_SIDE: Final = 32
_LOW: Final = 8
_SHA256: Final = re.compile(r"[0-9a-f]{64}")
BASE_DIR: Final = "base"  # display bases: photos_dir/base/ab/cd/<sha256>.jpg (originals: ab/cd/)


@dataclass(frozen=True)
class PhotoFacts:
    """What intake records about one picture (the Photo row's columns)."""

    sha256: str  # of the original bytes, as received
    mime: str
    size_bytes: int
    width: int  # as seen, after the EXIF orientation
    height: int
    exif_time: datetime | None  # DateTimeOriginal, aware, in UTC
    exif_lat: float | None
    exif_lon: float | None
    phash: str  # 64 bits as 16 hex digits

    @property
    def extension(self) -> str:
        return next(ext for kind, ext in EXTENSION.items() if MIME[kind] == self.mime)


def inspect_photo(
    data: bytes, limits: PhotoLimits = DEFAULT_LIMITS, tz: str = DEFAULT_TZ
) -> PhotoFacts:
    """Validate and read one picture, decoding it once (small: JPEGs at 1/8 scale via draft).

    Raises PhotoRejected with the reason the reporter will be told.
    """
    img = open_checked(data, limits)
    with img:
        header = (img.format or "", img.size)  # before draft shrinks it
        if img.format == "JPEG":
            img.draft("L", (_HASH_SIDE * 2, _HASH_SIDE * 2))
        load_checked(img)
        exif = read_exif(img)  # after the decode: a PNG's may follow the pixels
        orient = orientation(exif)
        digest = phash(apply_orientation(_hash_thumbnail(img), orient))
    return _facts(data, header, exif, digest, tz)


def prepare_photo(
    data: bytes, limits: PhotoLimits = DEFAULT_LIMITS, tz: str = DEFAULT_TZ
) -> tuple[PhotoFacts, bytes]:
    """`inspect_photo` plus the display base, from one decode at display scale.

    The base (upright, at most limits.display_max_side px, no metadata) is what display copies
    and before/after pictures are later made from: stamping it is far cheaper than decoding
    the 12 MP original again.
    """
    img = open_checked(data, limits)
    with img:
        header = (img.format or "", img.size)
        decoded, seen, orient, exif = decode_opened(img, limits.display_max_side)
        with decoded:
            digest = phash(apply_orientation(_hash_thumbnail(decoded), orient))
            base = upright_copy(decoded, seen, orient, limits.display_max_side)
    return _facts(data, header, exif, digest, tz), base


def _facts(
    data: bytes, header: tuple[str, tuple[int, int]], exif: Image.Exif, digest: str, tz: str
) -> PhotoFacts:
    """The facts from the header (format, size as stored) and EXIF; the hash comes computed."""
    kind, size = header
    width, height = oriented_size(size, orientation(exif))
    lat, lon = exif_position(exif)
    return PhotoFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        mime=MIME[kind],
        size_bytes=len(data),
        width=width,
        height=height,
        exif_time=exif_time(exif, tz),
        exif_lat=lat,
        exif_lon=lon,
        phash=digest,
    )


def _hash_thumbnail(img: Image.Image) -> Image.Image:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.convert("I").point(lambda v: v / 256).convert("L")  # 16-bit: keep the range
    elif img.mode != "L":
        img = img.convert("L")
    return img.resize((_HASH_SIDE, _HASH_SIDE), Image.Resampling.BOX, reducing_gap=2.0)


@cache
def _cosines() -> tuple[tuple[float, ...], ...]:
    """Rows u = 0..7 of the 32-point DCT-II basis."""
    n = _HASH_SIDE
    return tuple(
        tuple(math.cos((2 * x + 1) * u * math.pi / (2 * n)) for x in range(n)) for u in range(_LOW)
    )


def phash(img: Image.Image) -> str:
    """DCT perceptual hash of a picture (any size; reduced to 32x32 greyscale first)."""
    if img.size != (_HASH_SIDE, _HASH_SIDE) or img.mode != "L":
        img = _hash_thumbnail(img)
    pixels = img.tobytes()
    rows = [pixels[y * _HASH_SIDE : (y + 1) * _HASH_SIDE] for y in range(_HASH_SIDE)]
    basis = _cosines()
    # C @ X (8 x 32), then (C @ X) @ C.T (8 x 8): only the low frequencies are ever needed.
    cx = [[sum(c * rows[y][x] for y, c in enumerate(cu)) for x in range(_HASH_SIDE)]
          for cu in basis]
    low = [sum(a * b for a, b in zip(cx_u, cv, strict=True)) for cx_u in cx for cv in basis]
    median = sorted(low)[len(low) // 2 - 1 : len(low) // 2 + 1]
    threshold = (median[0] + median[1]) / 2
    bits = 0
    for value in low:
        bits = (bits << 1) | (value > threshold)
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes (0 = same picture, >~20 = different)."""
    if len(a) != len(b):
        raise ValueError(f"hashes of different lengths: {a!r}, {b!r}")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _zone(tz: str) -> tzinfo:
    return ZoneInfo(tz)


_OFFSET: Final = re.compile(r"([+-])(\d{2}):?(\d{2})")


def exif_time(exif: Image.Exif, tz: str = DEFAULT_TZ) -> datetime | None:
    """DateTimeOriginal as an aware UTC time, or None when missing or nonsense.

    The camera writes local time without a zone: OffsetTimeOriginal says which when present,
    otherwise the configured zone is assumed.
    """
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    raw = _text(sub.get(ExifTags.Base.DateTimeOriginal))
    if not raw:
        return None
    try:
        local = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if local.year < 1990:  # unset clocks write 0000:00:00 or 1970
        return None
    zone: tzinfo = _zone(tz)
    offset = _OFFSET.fullmatch(_text(sub.get(ExifTags.Base.OffsetTimeOriginal)))
    if offset:
        sign = -1 if offset[1] == "-" else 1
        delta = timedelta(hours=int(offset[2]), minutes=int(offset[3]))
        if delta <= timedelta(hours=14):
            zone = timezone(sign * delta)
    return local.replace(tzinfo=zone).astimezone(UTC)


def exif_position(exif: Image.Exif) -> tuple[float | None, float | None]:
    """(lat, lon) in degrees from the GPS IFD, or (None, None) when missing or nonsense."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    lat = _coordinate(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef),
                      "N", "S", 90.0)
    lon = _coordinate(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef),
                      "E", "W", 180.0)
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):  # (0, 0): a fix never made
        return None, None
    return lat, lon


def _coordinate(value: object, ref: object, plus: str, minus: str, bound: float) -> float | None:
    if not isinstance(value, tuple) or not 1 <= len(value) <= 3:
        return None
    try:
        parts = [float(v) for v in value]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    parts += [0.0] * (3 - len(parts))
    degrees, minutes, seconds = parts
    if not all(math.isfinite(p) and p >= 0 for p in parts) or minutes >= 60 or seconds > 60:
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if result > bound:
        return None
    direction = _text(ref).upper()
    if direction == minus:
        return -result
    if direction in (plus, ""):  # a missing reference: take the value as north/east
        return result
    return None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ") if isinstance(value, str) else ""


def original_key(data: bytes, sha256: str) -> str:
    """The key (and file store path) of an original: `ab/cd/<sha256>.<ext>`, named only by
    content, so no user text ever reaches a store; ValueError unless the bytes are an inspected
    picture with that sha256."""
    if not _SHA256.fullmatch(sha256) or hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("sha256 does not match the bytes")
    kind = sniff(data)
    if kind is None:
        raise ValueError("only inspected pictures are stored")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{EXTENSION[kind]}"


def store_original(photos_dir: Path, data: bytes, sha256: str) -> str:
    """Write the original bytes unchanged under photos_dir at `original_key`; return the key.

    Atomic (temp file, fsync, rename) and idempotent: the file store's write.
    """
    relative = original_key(data, sha256)
    target = photos_dir / relative
    if not (target.is_file() and target.stat().st_size == len(data)):
        write_atomically(target, data)
    return relative


def write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def base_path(sha256: str) -> str:
    """Where the display base of a stored original lives, relative to photos_dir."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a sha256")
    return f"{BASE_DIR}/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"


def store_base(photos_dir: Path, sha256: str, base: bytes) -> str:
    """Keep the display base of an original (derived, so it may be deleted and remade)."""
    relative = base_path(sha256)
    target = photos_dir / relative
    if not target.is_file():
        write_atomically(target, base)
    return relative


async def display_source(store: PhotoStore, stored_path: str) -> bytes:
    """The bytes to make display copies and before/after pictures from: the stored base when
    there is one (cheap), else the original (same picture, one more full decode)."""
    sha256 = PurePosixPath(stored_path).stem
    if _SHA256.fullmatch(sha256):
        try:
            return await store.read(base_path(sha256))
        except PhotoMissing:
            pass
    return await store.read(stored_path)


def _prepare(data: bytes, limits: PhotoLimits, tz: str) -> tuple[PhotoFacts, bytes, str]:
    facts, base = prepare_photo(data, limits, tz)
    return facts, base, original_key(data, facts.sha256)


async def ingest(
    data: bytes, limits: PhotoLimits, store: PhotoStore, tz: str = DEFAULT_TZ
) -> tuple[PhotoFacts, str]:
    """Check and read one received picture off the event loop, then store it: (facts, key).

    Stores the original unchanged and its display base (see `display_source`); raises
    PhotoRejected, and then nothing is written.
    """
    facts, base, key = await asyncio.to_thread(_prepare, data, limits, tz)
    await store.put(key, data, BlobKind.ORIGINAL)
    await store.put(base_path(facts.sha256), base, BlobKind.BASE)
    return facts, key


async def inspect_photo_async(
    data: bytes, limits: PhotoLimits = DEFAULT_LIMITS, tz: str = DEFAULT_TZ
) -> PhotoFacts:
    return await asyncio.to_thread(inspect_photo, data, limits, tz)
