"""The ledger (台账): every case of a part of the grid loaded as plain rows with its summary
figures (`load`), then written as an .xlsx workbook with no session open (`book`)."""

from services.ledger.book import XLSX_MIME, build_workbook, file_name
from services.ledger.load import (
    EXCEL_MAX_ROWS,
    LEDGER_ROLES,
    Ledger,
    LedgerMode,
    LedgerRow,
    load_ledger,
    may_export,
    scope_of,
    week_start,
)

__all__ = [
    "EXCEL_MAX_ROWS",
    "LEDGER_ROLES",
    "XLSX_MIME",
    "Ledger",
    "LedgerMode",
    "LedgerRow",
    "build_workbook",
    "file_name",
    "load_ledger",
    "may_export",
    "scope_of",
    "week_start",
]
