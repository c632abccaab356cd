"""Opening untrusted picture bytes safely: what we refuse, why, and how the reporter is told.

Shared by `services.photos` (inspection) and `services.photos.render` (display copies); import
the public names from `services.photos`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from enum import StrEnum
from io import BytesIO
from typing import Final

from PIL import ExifTags, Image

from services.i18n import N_, Translator, compact_number
from services.photos.limits import PhotoLimits

# Pillow warns past MAX_IMAGE_PIXELS and raises only past twice that; a bomb must never be
# decoded, so the warning is an error everywhere in the process.
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

DEFAULT_LIMITS: Final = PhotoLimits()

# Accepted formats. A still GIF is accepted like a PNG (a palette picture; rare from a phone,
# harmless); an animated GIF, WebP or PNG is refused: a video is not a photo.
ACCEPTED: Final = ("JPEG", "PNG", "WEBP", "GIF")
MIME: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSION: Final = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}

# ISO-BMFF brands of HEIC/HEIF/AVIF: phones' native formats, which Telegram converts to JPEG
# when the picture is sent as a photo.
_HEIF_BRANDS: Final = frozenset(
    b"heic heix hevc hevx heim heis hevm hevs mif1 msf1 mif2 avif avis".split()
)
# Other picture formats we recognise only to refuse with a better message than "not a picture".
_OTHER_IMAGE_MAGIC: Final = (
    b"BM",  # BMP
    b"II*\x00",  # TIFF, little-endian (also most camera RAW files)
    b"MM\x00*",  # TIFF, big-endian
    b"8BPS",  # Photoshop
    b"\x00\x00\x01\x00",  # ICO
    b"\x00\x00\x00\x0cjP  ",  # JPEG 2000
    b"\xff\x4f\xff\x51",  # JPEG 2000 codestream
)


class RejectReason(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"  # file bytes over PhotoLimits.max_file_bytes
    TOO_MANY_PIXELS = "too_many_pixels"  # width x height over PhotoLimits.max_pixels
    NOT_IMAGE = "not_image"
    CORRUPT = "corrupt"  # the right kind of file, but truncated or broken
    UNSUPPORTED = "unsupported"  # a picture we do not take (HEIC, animation, BMP, ...)


# English source texts (msgids); the catalogues are locales/*/LC_MESSAGES/photos.po.
REJECT_MESSAGES: Final[Mapping[RejectReason, str]] = {
    RejectReason.EMPTY: N_("That file is empty. Please send the photo again."),
    RejectReason.TOO_LARGE: N_(
        "That file is larger than {limit_mb} MB. Please send it as a photo (Telegram makes it "
        "smaller) or send a smaller file."
    ),
    RejectReason.TOO_MANY_PIXELS: N_(
        "That picture has too many pixels (at most {pixels} pixels). Please send it as a "
        "photo, not as a file, so that Telegram makes it smaller."
    ),
    RejectReason.NOT_IMAGE: N_(
        "That file is not a picture. Please send a photo of the problem (JPEG, PNG or WebP)."
    ),
    RejectReason.CORRUPT: N_(
        "That picture is damaged or incomplete (perhaps the upload broke off). "
        "Please send it again."
    ),
    RejectReason.UNSUPPORTED: N_(
        "That kind of picture cannot be used here. Please send it as a photo, "
        "or as a JPEG, PNG or WebP file."
    ),
}
UNSUPPORTED_HEIF: Final = N_(
    "HEIC/HEIF pictures cannot be read here. Please send it as a photo, not as a file: "
    "Telegram converts it to JPEG."
)
UNSUPPORTED_ANIMATION: Final = N_(
    "That is an animation. A video or an animated GIF is not a photo; "
    "please send a still photo of the problem."
)


class PhotoRejected(Exception):
    """A picture we will not take; `render(t)` gives the reporter the reason and what to do."""

    def __init__(
        self, reason: RejectReason, msgid: str | None = None, **values: object
    ) -> None:
        self.reason = reason
        self.msgid = msgid or REJECT_MESSAGES[reason]
        self.values = values
        super().__init__(f"{reason.value}: {self.msgid}")

    def render(self, t: Translator) -> str:
        """The message in the reporter's language: `err.render(translator(lang))`; a pixel
        bound reads as people say it (4000 万 / 40 million)."""
        values = dict(self.values)
        if "max_pixels" in values:
            values["pixels"] = compact_number(int(str(values.pop("max_pixels"))), t.language)
        return t(self.msgid, **values)


def sniff(data: bytes) -> str | None:
    """The accepted format the bytes claim to be by their magic number (None if none)."""
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return None


def _refuse_unknown(data: bytes) -> PhotoRejected:
    head = data[:16]
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return PhotoRejected(RejectReason.UNSUPPORTED, UNSUPPORTED_HEIF)
    if any(head.startswith(magic) for magic in _OTHER_IMAGE_MAGIC):
        return PhotoRejected(RejectReason.UNSUPPORTED)
    return PhotoRejected(RejectReason.NOT_IMAGE)


def _too_many_pixels(limits: PhotoLimits) -> PhotoRejected:
    return PhotoRejected(RejectReason.TOO_MANY_PIXELS, max_pixels=limits.max_pixels)


def open_checked(data: bytes, limits: PhotoLimits = DEFAULT_LIMITS) -> Image.Image:
    """Open (header only, nothing decoded yet) or raise PhotoRejected.

    Sizes are checked before any pixel is decoded, so a bomb costs a header read.
    """
    if not data:
        raise PhotoRejected(RejectReason.EMPTY)
    if len(data) > limits.max_file_bytes:
        raise PhotoRejected(
            RejectReason.TOO_LARGE, limit_mb=limits.max_file_bytes // 1_000_000
        )
    kind = sniff(data)
    if kind is None:
        raise _refuse_unknown(data)
    try:
        img = Image.open(BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(limits) from exc
    except Exception as exc:  # the magic was right, the rest is not: broken or cut off
        raise PhotoRejected(RejectReason.CORRUPT) from exc
    width, height = img.size
    if width < 1 or height < 1:
        raise PhotoRejected(RejectReason.CORRUPT)
    # Our bound (40 MP by default) sits below Pillow's MAX_IMAGE_PIXELS (~89 MP), which is
    # refused above in open(); a max_pixels configured past ~89 MP would not be reached.
    if width * height > limits.max_pixels:
        raise _too_many_pixels(limits)
    try:
        animated = bool(getattr(img, "is_animated", False))
    except Exception as exc:  # counting frames walks the file; a broken one fails here
        raise PhotoRejected(RejectReason.CORRUPT) from exc
    if animated:
        raise PhotoRejected(RejectReason.UNSUPPORTED, UNSUPPORTED_ANIMATION)
    return img


def load_checked(img: Image.Image) -> None:
    """Decode the pixels; a truncated or broken stream becomes CORRUPT."""
    try:
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected(RejectReason.TOO_MANY_PIXELS) from exc
    except Exception as exc:
        raise PhotoRejected(RejectReason.CORRUPT) from exc


def read_exif(img: Image.Image) -> Image.Exif:
    """The picture's EXIF, or an empty one when it is missing or unreadable (never fatal)."""
    try:
        return img.getexif()
    except Exception:  # broken EXIF loses us time and place, not the photo
        return Image.Exif()


_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def orientation(exif: Image.Exif) -> int:
    value = exif.get(ExifTags.Base.Orientation, 1)
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def oriented_size(size: tuple[int, int], orient: int) -> tuple[int, int]:
    """Width and height as the picture is meant to be seen (5-8 turn it by 90 degrees)."""
    return (size[1], size[0]) if orient >= 5 else size


def apply_orientation(img: Image.Image, orient: int) -> Image.Image:
    """Turn the pixels upright (done on the small copy: cheaper than on the full decode)."""
    method = _TRANSPOSE.get(orient)
    return img.transpose(method) if method is not None else img
