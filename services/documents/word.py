"""Word files as Chinese offices lay them out: the issuing body and the title in red, the
document's number over a red rule, then paragraphs and plain tables. Pure and blocking."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

WORD_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_FONT = "SimSun"  # 宋体, as offices write; Word falls back where it is missing
TITLE_FONT = "SimHei"


def _font(run: Any, name: str, size: float, *, bold: bool = False,
          colour: RGBColor | None = None) -> None:
    run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
    run.element.rPr.rFonts.set(qn("w:eastAsia"), name)  # the font of the Chinese characters
    if colour is not None:
        run.font.color.rgb = colour


def _red_rule(paragraph: Any) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"),
                       ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def masthead(issuing_body: str, number: str, title: str) -> Any:
    """A new document headed as offices head theirs: the issuing body, then the title large, both
    in red, then the number over a red rule."""
    doc = Document()
    for text, size in ((issuing_body, 16), (title, 26)):
        line = doc.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(line.add_run(text), TITLE_FONT, size, bold=True, colour=RED)
    rule = doc.add_paragraph()
    rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if number:
        _font(rule.add_run(number), BODY_FONT, 14)
    _red_rule(rule)
    return doc


def heading(doc: Any, text: str, *, size: float = 14) -> Any:
    found = doc.add_paragraph()
    found.alignment = WD_ALIGN_PARAGRAPH.CENTER if size >= 18 else WD_ALIGN_PARAGRAPH.LEFT
    _font(found.add_run(text), TITLE_FONT, size, bold=True)
    return found


def paragraph(doc: Any, text: str, *, bold: bool = False, right: bool = False) -> Any:
    found = doc.add_paragraph()
    if right:
        found.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(found.add_run(text), BODY_FONT, 12, bold=bold)
    return found


def table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Any:
    """A grid-lined table with a bold header row."""
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    for cell, title in zip(grid.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(title), BODY_FONT, 10.5, bold=True)
    for row in rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT,
                  10.5)
    return grid


def word_bytes(doc: Any) -> bytes:
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
