"""`grid import`: load a GeoJSON FeatureCollection of grid cells, water sources and their zones.

Everything is checked before anything is written, so a bad file leaves the database untouched;
a good file is an upsert by code, so importing it twice changes nothing the second time.
The file format is described in the README (properties: kind, code, name, level, parent, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.grid import GridCell, Level, ProtectionZone, WaterSource, Zone

# A child may stick out of its parent by this much (degrees, ~0.1 m): rounding, not a mistake.
CONTAIN_TOLERANCE = 1e-6
# Two cells of one level sharing more than this share of the smaller one's area "overlap".
OVERLAP_SHARE = 1e-6
# Properties that become columns; every other property is kept in `properties`.
STRUCTURAL = frozenset({"kind", "code", "name", "level", "parent", "cell", "source", "grade"})
KINDS = ("cell", "water_source", "zone")
CODE_MAX, NAME_MAX = 32, 100  # the code and name columns in models/grid.py
KIND_WORDS = {"cell": "cells", "water_source": "water sources", "zone": "protection zones"}
LIST_LIMIT = 30


class GridImportError(Exception):
    """The file was refused; `problems` names each bad feature and why. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"grid file refused, {len(problems)} problem(s):\n" + "\n".join(problems))
        self.problems = problems


@dataclass
class Counts:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """What an import did, per kind ("cell", "water_source", "zone"), and what looked odd."""

    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
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
            out.append(f"{self.cells_not_in_file} cell(s) in the database are not in this file; "
                       "they were left as they were.")
        if not self.wrote_anything:
            out.append("Nothing to do: the database already matches the file.")
        out += [f"warning: {w}" for w in self.warnings]
        return out


@dataclass
class _Cell:
    label: str
    code: str
    name: str
    level: Level
    parent: str | None
    geom: BaseGeometry
    wkt: str
    properties: dict[str, Any]


@dataclass
class _Source:
    label: str
    code: str
    name: str
    cell: str | None
    properties: dict[str, Any]


@dataclass
class _Zone:
    label: str
    source: str
    grade: Zone
    geom: BaseGeometry
    wkt: str


@dataclass
class _Parsed:
    cells: dict[str, _Cell] = field(default_factory=dict)
    sources: dict[str, _Source] = field(default_factory=dict)
    zones: dict[tuple[str, Zone], _Zone] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # codes of features already refused, so their dependants are not blamed for it again
    broken: set[str] = field(default_factory=set)


def _label(index: int, props: dict[str, Any]) -> str:
    code = props.get("code") or (f"{props.get('source')}/{props.get('grade')}"
                                 if props.get("kind") == "zone" else None)
    name = props.get("name")
    return " ".join(str(p) for p in (f"features[{index}]", code, name) if p)


def _text(props: dict[str, Any], key: str) -> str | None:
    value = props.get(key)
    if value is None or value == "":
        return None
    return str(value).strip()


def _polygon(geo: Any) -> tuple[BaseGeometry | None, str | None]:
    """The feature's area as a valid Shapely geometry, or why it cannot be one."""
    if not isinstance(geo, dict) or geo.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geo.get("type") if isinstance(geo, dict) else type(geo).__name__
        return None, f"geometry must be a Polygon or MultiPolygon, not {kind}"
    try:
        geom = shape(geo)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return None, f"geometry cannot be read ({exc})"
    if geom.is_empty:
        return None, "geometry is empty"
    west, south, east, north = geom.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None, "coordinates out of range (GeoJSON is longitude first, then latitude)"
    if not geom.is_valid:
        return None, f"invalid geometry: {explain_validity(geom)}"
    return geom, None


def _parse(collection: Any) -> _Parsed:
    parsed = _Parsed()
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        parsed.problems.append("the file is not a GeoJSON FeatureCollection")
        return parsed
    features = collection.get("features")
    if not isinstance(features, list):
        parsed.problems.append("the FeatureCollection has no list of features")
        return parsed
    seen: dict[tuple[str, Any], str] = {}
    for index, feat in enumerate(features):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict):
            parsed.problems.append(f"features[{index}]: not a Feature with properties")
            continue
        label = _label(index, props)
        kind = _text(props, "kind")
        if kind not in KINDS:
            parsed.problems.append(f"{label}: kind must be one of {', '.join(KINDS)}, "
                                   f"not {kind!r}")
            continue
        key = (kind, (_text(props, "source"), _text(props, "grade")) if kind == "zone"
               else _text(props, "code"))
        if key in seen:
            parsed.problems.append(f"{label}: duplicate {kind} {key[1]}, also at {seen[key]}")
            continue
        seen[key] = label
        problem = {"cell": _parse_cell, "water_source": _parse_source, "zone": _parse_zone}[kind](
            parsed, label, props, feat.get("geometry"))
        if problem:
            parsed.problems.append(f"{label}: {problem}")
            parsed.broken.add(str(_text(props, "code")))
    return parsed


def _extra(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k not in STRUCTURAL}


def _naming_problem(kind: str, code: str | None, name: str | None) -> str | None:
    """Codes and names must fit their columns (PostgreSQL would refuse them half-way)."""
    if not code or not name:
        return f"a {kind} needs a code and a name"
    if len(code) > CODE_MAX or len(name) > NAME_MAX:
        return f"code must be at most {CODE_MAX} characters and name at most {NAME_MAX}"
    return None


def _parse_cell(parsed: _Parsed, label: str, props: dict[str, Any], geo: Any) -> str | None:
    code, name, level = _text(props, "code"), _text(props, "name"), _text(props, "level")
    if problem := _naming_problem("cell", code, name):
        return problem
    assert code and name
    if level not in list(Level):
        return f"level must be city, county, township or village, not {level!r}"
    geom, why = _polygon(geo)
    if geom is None:
        return why
    parsed.cells[code] = _Cell(label, code, name, Level(level), _text(props, "parent"), geom,
                               geom.wkt, _extra(props))
    return None


def _parse_source(parsed: _Parsed, label: str, props: dict[str, Any], geo: Any) -> str | None:
    code, name = _text(props, "code"), _text(props, "name")
    if problem := _naming_problem("water source", code, name):
        return problem
    assert code and name
    extra = _extra(props)
    if geo is not None:
        coords = geo.get("coordinates") if isinstance(geo, dict) else None
        if not (isinstance(geo, dict) and geo.get("type") == "Point" and isinstance(coords, list)
                and len(coords) >= 2 and all(isinstance(c, int | float) for c in coords[:2])
                and -180 <= coords[0] <= 180 and -90 <= coords[1] <= 90):
            return "a water source's geometry must be a Point (longitude, latitude) or null"
        extra.update(lon=coords[0], lat=coords[1])
    parsed.sources[code] = _Source(label, code, name, _text(props, "cell"), extra)
    return None


def _parse_zone(parsed: _Parsed, label: str, props: dict[str, Any], geo: Any) -> str | None:
    source, grade = _text(props, "source"), _text(props, "grade")
    if not source:
        return "a zone needs the code of its water source in 'source'"
    if grade not in list(Zone):
        return f"grade must be one of grade1, grade2, quasi, not {grade!r}"
    geom, why = _polygon(geo)
    if geom is None:
        return why
    parsed.zones[(source, Zone(grade))] = _Zone(label, source, Zone(grade), geom, geom.wkt)
    return None


@dataclass
class _Known:
    """A cell as it will be after the import: from the file, else from the database."""

    label: str
    level: Level
    parent: str | None
    geom: BaseGeometry
    in_file: bool


def _known_cells(parsed: _Parsed, rows: Iterable[GridCell]) -> dict[str, _Known]:
    rows = list(rows)
    code_of = {row.id: row.code for row in rows}
    known = {
        row.code: _Known(f"database cell {row.code} {row.name}", Level(row.level),
                         code_of.get(row.parent_id) if row.parent_id else None,
                         shapely.from_wkt(row.boundary_wkt), False)
        for row in rows
    }
    for c in parsed.cells.values():
        known[c.code] = _Known(c.label, c.level, c.parent, c.geom, True)
    return known


def _check_tree(parsed: _Parsed, known: dict[str, _Known]) -> None:
    """Parents exist, sit one level up and hold their children."""
    problems = parsed.problems
    padded: dict[str, BaseGeometry] = {}
    for cell in known.values():
        if cell.level == Level.CITY:
            if cell.parent is not None and cell.in_file:
                problems.append(f"{cell.label}: a city has no parent, but parent is {cell.parent}")
            continue
        if cell.parent is None:
            if cell.in_file:
                problems.append(f"{cell.label}: a {cell.level} needs a parent")
            continue
        parent = known.get(cell.parent)
        if parent is None and cell.parent in parsed.broken:
            continue
        if parent is None:
            problems.append(f"{cell.label}: unknown parent {cell.parent} (not in the file "
                            "nor in the database)")
            continue
        if not (cell.in_file or parent.in_file):
            continue
        want = list(Level)[cell.level.rank - 1]
        if parent.level != want:
            problems.append(f"{cell.label}: parent {cell.parent} is a {parent.level}, but a "
                            f"{cell.level}'s parent must be a {want}")
            continue
        if cell.parent not in padded:
            padded[cell.parent] = parent.geom.buffer(CONTAIN_TOLERANCE)
        if not padded[cell.parent].covers(cell.geom):
            outside = cell.geom.difference(parent.geom).area / cell.geom.area * 100
            problems.append(f"{cell.label}: not within its parent {cell.parent} "
                            f"({outside:.3g}% of its area lies outside)")


def _overlap_warnings(known: dict[str, _Known]) -> list[str]:
    warnings: list[str] = []
    for level in Level:
        cells = [c for c in known.values() if c.level == level]
        geoms = [c.geom for c in cells]
        if len(geoms) < 2:
            continue
        pairs = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        for i, j in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            a, b = cells[i], cells[j]
            if i >= j or not (a.in_file or b.in_file):
                continue
            shared = a.geom.intersection(b.geom).area
            smaller = min(a.geom.area, b.geom.area)
            if shared > OVERLAP_SHARE * smaller:
                warnings.append(f"{a.label} and {b.label} ({level} cells) overlap by "
                                f"{shared / smaller * 100:.3g}% of the smaller one")
    return warnings


def _zone_warnings(parsed: _Parsed, db_sources: list[WaterSource]) -> list[str]:
    """grade1 should lie inside grade2, grade2 inside quasi; an oddity, not an error."""
    zones: dict[tuple[str, Zone], tuple[str, BaseGeometry]] = {}
    for src in db_sources:
        for z in src.zones:
            zones[(src.code, Zone(z.grade))] = (f"database zone {src.code}/{z.grade}",
                                                shapely.from_wkt(z.boundary_wkt))
    for key, zone in parsed.zones.items():
        zones[key] = (zone.label, zone.geom)
    warnings = []
    pairs = ((Zone.GRADE1, Zone.GRADE2), (Zone.GRADE2, Zone.QUASI))
    for (source, grade), (label, geom) in zones.items():
        for inner, outer in pairs:
            bigger = zones.get((source, outer))
            if grade == inner and bigger and not bigger[1].buffer(CONTAIN_TOLERANCE).covers(geom):
                warnings.append(f"{label}: the {inner} zone is not inside the {outer} zone")
    return warnings


def _validate(parsed: _Parsed, cells: list[GridCell], sources: list[WaterSource]) -> list[str]:
    """Problems go into parsed.problems; warnings are returned."""
    known = _known_cells(parsed, cells)
    _check_tree(parsed, known)
    source_codes = {s.code for s in sources} | set(parsed.sources)
    for src in parsed.sources.values():
        if src.cell is not None and src.cell not in known and src.cell not in parsed.broken:
            parsed.problems.append(f"{src.label}: unknown cell {src.cell}")
    for zone in parsed.zones.values():
        if zone.source not in source_codes and zone.source not in parsed.broken:
            parsed.problems.append(f"{zone.label}: unknown water source {zone.source}")
    return _overlap_warnings(known) + _zone_warnings(parsed, sources)


async def import_grid(session: AsyncSession, collection: dict[str, Any], *,
                      commit: bool = True) -> ImportReport:
    """Check the whole file, then upsert cells, sources and zones by code and commit.

    Raises GridImportError (and writes nothing) when any feature is bad. Cells, sources and
    zones in the database but not in the file are kept as they are.
    """
    cells = list((await session.scalars(select(GridCell))).all())
    sources = list((await session.scalars(select(WaterSource))).all())
    parsed = _parse(collection)
    report = ImportReport(warnings=_validate(parsed, cells, sources))
    if parsed.problems:
        raise GridImportError(parsed.problems)
    report.cells_not_in_file = sum(1 for c in cells if c.code not in parsed.cells)
    await _write_cells(session, parsed, cells, report)
    await _write_sources(session, parsed, sources, report)
    if commit:
        await session.commit()
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


async def _write_cells(session: AsyncSession, parsed: _Parsed, rows: list[GridCell],
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


async def _write_sources(session: AsyncSession, parsed: _Parsed, rows: list[WaterSource],
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
