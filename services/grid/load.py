"""`grid import`: load a GeoJSON FeatureCollection of grid cells, water sources and their zones.

Everything is checked before anything is written, so a bad file leaves the database untouched;
a good file is an upsert by code, so importing it twice changes nothing the second time.
The file format is described in the README (properties: kind, code, name, level, parent, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.grid import GridCell, Level, ProtectionZone, WaterSource
from services.grid.check import KINDS, ParsedGrid, check_grid, parse_grid
from services.grid.checkpoints import write_checkpoints
from services.i18n import counted

KIND_WORDS = {"cell": "cells", "water_source": "water sources", "zone": "protection zones",
              "checkpoint": "checkpoints"}
LIST_LIMIT = 30


class GridImportError(Exception):
    """The file was refused; `problems` names each bad feature and why. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"grid file refused, {counted(len(problems), 'problem', 'problems')}:\n"
                         + "\n".join(problems))
        self.problems = problems


@dataclass
class Counts:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """What an import did, per kind ("cell", "water_source", "zone"), and what looked odd."""

    # Checkpoints are counted only when the file has some.
    counts: dict[str, Counts] = field(
        default_factory=lambda: {k: Counts() for k in KINDS if k != "checkpoint"})
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cells_not_in_file: int = 0

    @property
    def wrote_anything(self) -> bool:
        return any(c.created or c.changed for c in self.counts.values())

    def lines(self) -> list[str]:
        """Plain English for the administrator at the command line."""
        out = [
            f"{KIND_WORDS[kind]}: {c.created} created, {c.changed} changed, "
            f"{c.unchanged} unchanged"
            for kind, c in self.counts.items()
        ]
        for word, items in (("created", self.created), ("changed", self.changed)):
            out += [f"  {word}: {item}" for item in items[:LIST_LIMIT]]
            if len(items) > LIST_LIMIT:
                out.append(f"  ... and {len(items) - LIST_LIMIT} more {word}")
        if self.cells_not_in_file:
            cells = counted(self.cells_not_in_file, "cell", "cells")
            verb = "is" if self.cells_not_in_file == 1 else "are"
            out.append(f"{cells} in the database {verb} not in this file; they were left as "
                       "they were.")
        if not self.wrote_anything:
            out.append("Nothing to do: the database already matches the file.")
        out += [f"warning: {w}" for w in self.warnings]
        return out


async def import_grid(session: AsyncSession, collection: dict[str, Any]) -> ImportReport:
    """Check the whole file, then upsert cells, sources and zones by code (the caller commits).

    Raises GridImportError (and writes nothing) when any feature is bad. Cells, sources and
    zones in the database but not in the file are kept as they are.
    """
    cells = list((await session.scalars(select(GridCell))).all())
    sources = list((await session.scalars(select(WaterSource))).all())
    parsed = parse_grid(collection)
    report = ImportReport(warnings=check_grid(parsed, cells, sources))
    if parsed.problems:
        raise GridImportError(parsed.problems)
    report.cells_not_in_file = sum(1 for c in cells if c.code not in parsed.cells)
    await _write_cells(session, parsed, cells, report)
    await _write_sources(session, parsed, sources, report)
    if parsed.checkpoints:
        created, changed = await write_checkpoints(session, parsed.checkpoints)
        report.counts["checkpoint"] = Counts(created, changed,
                                             len(parsed.checkpoints) - created - changed)
    await session.flush()
    return report


def _tick(report: ImportReport, kind: str, what: str, created: bool, changed: bool) -> None:
    counts = report.counts[kind]
    if created:
        counts.created += 1
        report.created.append(what)
    elif changed:
        counts.changed += 1
        report.changed.append(what)
    else:
        counts.unchanged += 1


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set only what differs, so an unchanged row is not updated (and keeps updated_at)."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


async def _write_cells(session: AsyncSession, parsed: ParsedGrid, rows: list[GridCell],
                       report: ImportReport) -> None:
    by_code = {row.code: row for row in rows}
    created: set[str] = set()
    touched: set[str] = set()
    for level in Level:  # parents before children, so their ids exist
        for c in (c for c in parsed.cells.values() if c.level == level):
            parent_id = by_code[c.parent].id if c.parent else None
            values = {"name": c.name, "level": str(c.level), "parent_id": parent_id,
                      "boundary_wkt": c.wkt, "properties": c.properties}
            row = by_code.get(c.code)
            if row is None:
                row = GridCell(code=c.code, path="/", **values)
                session.add(row)
                by_code[c.code] = row
                created.add(c.code)
            elif _assign(row, values):
                touched.add(c.code)
        await session.flush()
    # Paths follow ids, so they are settled once every row has one; moving a cell moves its subtree.
    paths: dict[int, str] = {}
    for row in sorted(by_code.values(), key=lambda r: Level(r.level).rank):
        parent_path = paths.get(row.parent_id, "/") if row.parent_id else "/"
        paths[row.id] = f"{parent_path}{row.id}/"
        if _assign(row, {"path": paths[row.id]}) and row.code not in created:
            touched.add(row.code)
    for code, row in by_code.items():
        if code in parsed.cells or code in touched:
            _tick(report, "cell", f"cell {code} {row.name} ({row.level})", code in created,
                  code in touched)
    await session.flush()


async def _write_sources(session: AsyncSession, parsed: ParsedGrid, rows: list[WaterSource],
                         report: ImportReport) -> None:
    cell_ids = {c.code: c.id for c in (await session.scalars(select(GridCell))).all()}
    by_code = {row.code: row for row in rows}
    for s in parsed.sources.values():
        values = {"name": s.name, "cell_id": cell_ids[s.cell] if s.cell else None,
                  "properties": s.properties}
        row = by_code.get(s.code)
        if row is None:
            row = WaterSource(code=s.code, **values)
            session.add(row)
            by_code[s.code] = row
            _tick(report, "water_source", f"water source {s.code} {s.name}", True, False)
        else:
            changed = _assign(row, values)
            _tick(report, "water_source", f"water source {s.code} {s.name}", False, changed)
    for (source, grade), z in parsed.zones.items():
        owner = by_code[source]
        existing = next((pz for pz in owner.zones if pz.grade == grade), None)
        what = f"zone {source}/{grade}"
        if existing is None:
            owner.zones.append(ProtectionZone(grade=str(grade), boundary_wkt=z.wkt))
            _tick(report, "zone", what, True, False)
        else:
            _tick(report, "zone", what, False, _assign(existing, {"boundary_wkt": z.wkt}))
    await session.flush()
