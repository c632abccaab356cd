"""What every office document shares: spreadsheet cells that stay text (`xlsx`), and Word files
laid out as offices write them, with a red head, the number over a red rule and plain tables
(`word`)."""

from services.documents.word import (
    WORD_MIME,
    heading,
    masthead,
    paragraph,
    table,
    word_bytes,
)
from services.documents.xlsx import FORMULA_STARTS, text_cell

__all__ = [
    "FORMULA_STARTS",
    "WORD_MIME",
    "heading",
    "masthead",
    "paragraph",
    "table",
    "text_cell",
    "word_bytes",
]
