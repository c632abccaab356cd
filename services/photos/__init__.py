"""Photos as evidence, with no case in sight: untrusted bytes opened safely (`opening`) within
the limits (`limits`), checked, read and stored unaltered (`evidence`), and pictures made from
them (`render`). This API imports no database, so a process that only decodes photos loads
Pillow and nothing of SQLAlchemy; the database side, a photo's row (`rows`) and the files that
outlive rows (`files`), is imported from those modules by name."""

from services.photos.evidence import (
    PhotoFacts,
    base_path,
    display_source,
    display_source_async,
    hamming,
    ingest,
    inspect_photo,
    inspect_photo_async,
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

__all__ = [
    "CJK_FONTS",
    "LABEL_AFTER",
    "LABEL_BEFORE",
    "REJECT_MESSAGES",
    "UNSUPPORTED_ANIMATION",
    "UNSUPPORTED_HEIF",
    "PhotoFacts",
    "PhotoLimits",
    "PhotoRejected",
    "RejectReason",
    "base_path",
    "before_after",
    "before_after_async",
    "display_source",
    "display_source_async",
    "hamming",
    "has_cjk_font",
    "ingest",
    "inspect_photo",
    "inspect_photo_async",
    "prepare_photo",
    "render_display_copy",
    "render_display_copy_async",
    "store_base",
    "store_original",
]
