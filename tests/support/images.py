"""Test images made in code (no binary fixtures in git), for every test that needs a photo.

Import as `from tests.support.images import ...`. Every maker is deterministic (same
arguments, same bytes), so tests can compare hashes across runs.
"""

from __future__ import annotations

import random
import struct
import zlib
from io import BytesIO

from PIL import ExifTags, Image, ImageDraw, ImageOps

# A reservoir bank north of Hangzhou (Huzhou, 妙西镇 area): inside China's grid, not (0, 0).
LAT = 30.870833
LON = 120.090278
TAKEN = "2026:05:01 09:30:00"  # DateTimeOriginal as a camera writes it (local time)


def scene(width: int = 800, height: int = 600, seed: int = 1) -> Image.Image:
    """A picture with structure (a gradient, shapes, a little noise) so hashes mean something.

    Different seeds give pictures that a perceptual hash tells apart.
    """
    rng = random.Random(seed)
    sky = (rng.randrange(80, 200), rng.randrange(80, 200), rng.randrange(150, 255))
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    img = Image.blend(img, Image.new("RGB", (width, height), sky), 0.6)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 10, width // 2), rng.randrange(height // 10, height // 2)
        color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        box = (x0, y0, min(width, x0 + w), min(height, y0 + h))
        if rng.random() < 0.5:
            draw.rectangle(box, fill=color)
        else:
            draw.ellipse(box, fill=color)
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(img, noise, 0.12)


def exif_block(
    *,
    orientation: int = 1,
    taken: str | None = TAKEN,
    offset: str | None = None,
    lat: float | None = LAT,
    lon: float | None = LON,
    lat_ref: str | None = None,
    lon_ref: str | None = None,
) -> Image.Exif:
    """EXIF as a phone writes it: orientation in IFD0, time in the Exif IFD, place in GPS IFD."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    if orientation != 1:
        exif[ExifTags.Base.Orientation] = orientation
    if taken is not None:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        sub[ExifTags.Base.DateTimeOriginal] = taken
        if offset is not None:
            sub[ExifTags.Base.OffsetTimeOriginal] = offset
    if lat is not None and lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSVersionID] = b"\x02\x02\x00\x00"
        gps[ExifTags.GPS.GPSLatitudeRef] = lat_ref or ("N" if lat >= 0 else "S")
        gps[ExifTags.GPS.GPSLatitude] = _dms(abs(lat))
        gps[ExifTags.GPS.GPSLongitudeRef] = lon_ref or ("E" if lon >= 0 else "W")
        gps[ExifTags.GPS.GPSLongitude] = _dms(abs(lon))
    return exif


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 2)
    return (float(degrees), float(minutes), seconds)


def jpeg(
    width: int = 800,
    height: int = 600,
    *,
    seed: int = 1,
    quality: int = 90,
    exif: Image.Exif | None = None,
    comment: bytes | None = None,
) -> bytes:
    """A JPEG of `scene(...)`, with the given EXIF (none by default) and COM comment."""
    params: dict[str, object] = {"quality": quality}
    if exif is not None:
        params["exif"] = exif.tobytes()
    if comment is not None:
        params["comment"] = comment
    out = BytesIO()
    scene(width, height, seed).save(out, "JPEG", **params)
    return out.getvalue()


def jpeg_with_exif(
    width: int = 800,
    height: int = 600,
    *,
    seed: int = 1,
    orientation: int = 1,
    taken: str | None = TAKEN,
    offset: str | None = None,
    lat: float | None = LAT,
    lon: float | None = LON,
    lat_ref: str | None = None,
    lon_ref: str | None = None,
) -> bytes:
    """A photo "sent as a file": EXIF with GPS, DateTimeOriginal, orientation, and a COM comment
    (b"secret comment") that must never reach a copy we make.

    With orientation 6 the stored pixels are landscape but the picture is meant to be
    portrait (the camera was turned), as phones do it.
    """
    exif = exif_block(orientation=orientation, taken=taken, offset=offset, lat=lat, lon=lon,
                      lat_ref=lat_ref, lon_ref=lon_ref)
    return jpeg(width, height, seed=seed, exif=exif, comment=b"secret comment")


def marked_jpeg(orientation: int = 6, width: int = 600, height: int = 800) -> bytes:
    """A picture whose upright form is red on top and blue below, stored turned as a camera
    does for `orientation` (6: the phone was held upright, the sensor wrote it sideways)."""
    upright = Image.new("RGB", (width, height), (220, 20, 20))
    upright.paste((20, 20, 220), (0, height // 2, width, height))
    stored = upright
    undo = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
            8: Image.Transpose.ROTATE_270}
    if orientation in undo:
        stored = upright.transpose(undo[orientation])
    exif = exif_block(orientation=orientation)
    out = BytesIO()
    stored.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def bmp(width: int = 64, height: int = 48) -> bytes:
    out = BytesIO()
    scene(width, height, 9).save(out, "BMP")
    return out.getvalue()


def large_jpeg(seed: int = 7, *, dense: bool = False) -> bytes:
    """A 4032x3024 (12 MP) JPEG with EXIF, as a volunteer sends it as a file.

    Plain: flat shapes and light noise, ~2.2 MB at q92. Dense: heavy sensor-like noise,
    ~6.5 MB, the costly end of what phones write (decoding time follows the bytes).
    """
    img = scene(4032, 3024, seed)
    if dense:
        img = Image.blend(img, Image.effect_noise((4032, 3024), 60).convert("RGB"), 0.35)
    out = BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif_block(orientation=1).tobytes())
    return out.getvalue()


def recompressed(data: bytes, max_side: int = 1280, quality: int = 80) -> bytes:
    """What Telegram makes of a photo sent compressed: orientation applied, smaller, no EXIF."""
    with Image.open(BytesIO(data)) as img:
        turned = ImageOps.exif_transpose(img)
        turned.thumbnail((max_side, max_side))
        out = BytesIO()
        turned.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def png(width: int = 640, height: int = 480, *, seed: int = 2, alpha: bool = False) -> bytes:
    img = scene(width, height, seed)
    if alpha:
        img = img.convert("RGBA")
        img.putalpha(200)
    out = BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def webp(width: int = 640, height: int = 480, *, seed: int = 3) -> bytes:
    out = BytesIO()
    scene(width, height, seed).save(out, "WEBP", quality=85)
    return out.getvalue()


def gif(width: int = 320, height: int = 240, *, seed: int = 4) -> bytes:
    """A still (single-frame) GIF."""
    out = BytesIO()
    scene(width, height, seed).convert("P").save(out, "GIF")
    return out.getvalue()


def animated_gif(width: int = 160, height: int = 120, frames: int = 4) -> bytes:
    images = [scene(width, height, seed).convert("P") for seed in range(frames)]
    out = BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def animated_webp(width: int = 160, height: int = 120, frames: int = 3) -> bytes:
    images = [scene(width, height, seed) for seed in range(frames)]
    out = BytesIO()
    images[0].save(out, "WEBP", save_all=True, append_images=images[1:], duration=100)
    return out.getvalue()


def animated_png(width: int = 160, height: int = 120, frames: int = 3) -> bytes:
    images = [scene(width, height, seed) for seed in range(frames)]
    out = BytesIO()
    images[0].save(out, "PNG", save_all=True, append_images=images[1:], duration=100)
    return out.getvalue()


def damaged_png() -> bytes:
    """A PNG whose compressed pixel data was overwritten in the middle (bad CRC, bad zlib)."""
    data = bytearray(png(320, 240, seed=8))
    middle = len(data) // 2
    data[middle : middle + 64] = b"\x00" * 64
    return bytes(data)


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of width x height black pixels: a few kB on disk, huge once decoded.

    Written chunk by chunk (never building the image in memory), so making it is cheap too.
    """
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte "None", then packed bits
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    idat = b"".join(parts)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    """The first half of a good JPEG, as a dropped connection leaves it."""
    data = jpeg(800, 600, seed=5)
    return data[: len(data) // 2]


def zero_bytes() -> bytes:
    return b""


def text_as_jpg() -> bytes:
    """A text file a reporter named photo.jpg."""
    return "水源地巡查记录\n这不是图片, just notes.\n".encode()


def fake_heic() -> bytes:
    """The start of an iPhone HEIC file: an ISO-BMFF `ftyp` box with brand `heic`.

    Only the header is real; enough for anything that sniffs the type.
    """
    ftyp = b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + b"\x00" * 64


def sized_jpeg(width: int, height: int, *, gps: bool = False) -> bytes:
    """A flat blue JPEG of exactly this size; with `gps`, EXIF carrying a GPS position and a
    camera model."""
    image = Image.new("RGB", (width, height), (40, 110, 170))
    exif = Image.Exif()
    if gps:
        exif[0x0110] = "SandboxCam"  # Model
        exif[0x8825] = {1: "N", 2: (30.0, 52.0, 12.0), 3: "E", 4: (119.0, 57.0, 3.0)}
    buffer = BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes() if gps else b"", quality=95)
    return buffer.getvalue()
