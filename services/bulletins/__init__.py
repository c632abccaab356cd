"""Supervision bulletins (督查通报): what a bulletin names (`gather`: overdue, slow and reopened
cases, the orders of the period), the numbered document's life (`store`: draft, edit, issue,
acknowledge, the issued list), and the Word document (`document`)."""

from services.bulletins.document import DocumentData, build_docx, document_of, file_name
from services.bulletins.gather import Found, FoundLine, bulletin
from services.bulletins.store import (
    SECTIONS,
    TEXT_FIELDS,
    Issued,
    Outcome,
    acknowledge,
    by_number,
    discard,
    draft_for,
    draft_of,
    drop_line,
    fill,
    issue,
    issued_in,
    lines_of,
    named_for,
    own_draft,
    recipients_of,
    set_text,
)

__all__ = [
    "SECTIONS",
    "TEXT_FIELDS",
    "DocumentData",
    "Found",
    "FoundLine",
    "Issued",
    "Outcome",
    "acknowledge",
    "build_docx",
    "bulletin",
    "by_number",
    "discard",
    "document_of",
    "draft_for",
    "draft_of",
    "drop_line",
    "file_name",
    "fill",
    "issue",
    "issued_in",
    "lines_of",
    "named_for",
    "own_draft",
    "recipients_of",
    "set_text",
]
