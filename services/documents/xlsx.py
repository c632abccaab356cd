"""A spreadsheet cell written as text, never as a formula (OWASP's formula-injection list)."""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment  # type: ignore[import-untyped]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MAX = 32_767  # Excel's limit for one cell


def text_cell(ws: Any, row: int, column: int, value: str) -> Any:
    """`value` at (row, column) as wrapped text; a leading = + - @ is quoted, not evaluated."""
    cell = ws.cell(row=row, column=column)
    clean = ILLEGAL_CHARACTERS_RE.sub("", value)[:TEXT_MAX]
    cell.value = clean
    cell.data_type = "s"
    if clean.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    cell.alignment = Alignment(vertical="top", wrap_text=True)
    return cell
