"""Photos as evidence, with no case in sight: untrusted bytes opened safely (`opening`), checked,
read and stored unaltered (`evidence`), pictures made from them (`render`), their rows (`rows`)
and files that outlive rows (`files`)."""

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
from services.photos.files import keep_file_at_commit, remove_files_at_commit
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
from services.photos.rows import photo_row

__all__ = [
    "CJK_FONTS",
    "LABEL_AFTER",
    "LABEL_BEFORE",
    "REJECT_MESSAGES",
    "UNSUPPORTED_ANIMATION",
    "UNSUPPORTED_HEIF",
    "PhotoFacts",
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
    "keep_file_at_commit",
    "photo_row",
    "prepare_photo",
    "remove_files_at_commit",
    "render_display_copy",
    "render_display_copy_async",
    "store_base",
    "store_original",
]
