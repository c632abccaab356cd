"""Photos as evidence, with no case in sight: untrusted bytes opened safely (`opening`) within
the limits (`limits`), checked, read and stored unaltered (`evidence`), and pictures made from
them (`render`), kept in a photo store (`store`: the interface). This API imports no database,
so a process that only decodes photos loads Pillow and nothing of SQLAlchemy; the database side,
a photo's row (`rows`), the two stores (`files`, `blobs`) and the one config chooses (`stores`),
is imported from those modules by name."""

from services.photos.evidence import (
    PhotoFacts,
    base_path,
    display_source,
    hamming,
    ingest,
    inspect_photo,
    inspect_photo_async,
    original_key,
    prepare_photo,
    store_base,
    store_original,
)
from services.photos.limits import PhotoLimits
from services.photos.opening import (
    REJECT_MESSAGES,
    UNSUPPORTED_ANIMATION,
    UNSUPPORTED_HEIF,
    PhotoRejected,
    RejectReason,
)
from services.photos.render import (
    CJK_FONTS,
    LABEL_AFTER,
    LABEL_BEFORE,
    before_after,
    before_after_async,
    has_cjk_font,
    render_display_copy,
    render_display_copy_async,
)
from services.photos.store import CHUNK_BYTES, BlobKind, PhotoMissing, PhotoStore

__all__ = [
    "CHUNK_BYTES",
    "CJK_FONTS",
    "LABEL_AFTER",
    "LABEL_BEFORE",
    "REJECT_MESSAGES",
    "UNSUPPORTED_ANIMATION",
    "UNSUPPORTED_HEIF",
    "BlobKind",
    "PhotoFacts",
    "PhotoLimits",
    "PhotoMissing",
    "PhotoRejected",
    "PhotoStore",
    "RejectReason",
    "base_path",
    "before_after",
    "before_after_async",
    "display_source",
    "hamming",
    "has_cjk_font",
    "ingest",
    "inspect_photo",
    "inspect_photo_async",
    "original_key",
    "prepare_photo",
    "render_display_copy",
    "render_display_copy_async",
    "store_base",
    "store_original",
]
