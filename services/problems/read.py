"""A problem list read from an .xlsx (openpyxl) or a .csv (the stdlib's csv, UTF-8 or the GB18030
that Excel writes in China) into rows of fields, each with the line it came from. The header row
is found among the first rows (offices put a title above it); unknown columns are left alone."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]

from services.problems.columns import FIELD_BY_HEADER, REQUIRED, WHERE, Field, folded

HEADER_SEARCH = 10  # rows looked at for the header
MAX_ROWS = 10_000  # a list longer than this is no office's list

Value = str | date


@dataclass(frozen=True)
class RawRow:
    line: int  # the row's number in the sheet or file, as the office sees it
    values: dict[Field, Value] = field(default_factory=dict)

    def text(self, key: Field) -> str:
        value = self.values.get(key)
        return value.isoformat() if isinstance(value, date) else (value or "")


class ListUnreadable(Exception):
    """The file is no problem list at all: the reason, for the whole file."""


def _cell(value: Any) -> Value:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def rows_of(table: Iterable[Sequence[Any]]) -> list[RawRow]:
    """Rows of fields under the header row, empty rows skipped."""
    rows = iter(enumerate(table, start=1))
    columns: dict[int, Field] = {}
    for line, cells in rows:
        found = {i: FIELD_BY_HEADER[folded(str(c))] for i, c in enumerate(cells)
                 if c is not None and folded(str(c)) in FIELD_BY_HEADER}
        if len(found) >= len(REQUIRED):
            columns = found
            break
        if line >= HEADER_SEARCH:
            break
    if not columns:
        raise ListUnreadable("no header row (编号, 问题类型, 问题描述 …) in the first "
                             f"{HEADER_SEARCH} rows")
    missing = [f.value for f in REQUIRED if f not in columns.values()]
    if not any(f in columns.values() for f in WHERE):
        missing.append("/".join(f.value for f in WHERE))
    if missing:
        raise ListUnreadable("missing columns: " + ", ".join(missing))
    out: list[RawRow] = []
    for line, cells in rows:
        values = {key: _cell(cells[i]) for i, key in columns.items() if i < len(cells)}
        if any(v for v in values.values()):
            out.append(RawRow(line, {k: v for k, v in values.items() if v}))
        if len(out) > MAX_ROWS:
            raise ListUnreadable(f"more than {MAX_ROWS} rows")
    return out


def read_xlsx(data: bytes) -> list[RawRow]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise ListUnreadable(f"not an .xlsx workbook ({exc})") from None
    try:
        return rows_of(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def read_csv(data: bytes) -> list[RawRow]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes nearly anything; kept for the type checker
        raise ListUnreadable("not a text file")
    return rows_of(csv.reader(io.StringIO(text, newline="")))


def read_list(path: Path) -> list[RawRow]:
    """The rows of FILE.xlsx or FILE.csv (by its suffix)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListUnreadable(f"cannot read it: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(data)
    if suffix == ".csv":
        return read_csv(data)
    raise ListUnreadable("a problem list is an .xlsx or a .csv file")
