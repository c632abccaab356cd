"""Reading and checking a grid file before anything is written: each feature parsed (a cell,
a water source, a protection zone), the bad ones refused with why, the odd ones warned about
(cells of a level that overlap, a zone outside its larger zone). `services.grid.load` writes
what passed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from models.grid import GridCell, Level, WaterSource, Zone
from services.grid.checkpoints import ParsedCheckpoint, parse_checkpoint

# A child may stick out of its parent by this much (degrees, ~0.1 m): rounding, not a mistake.
CONTAIN_TOLERANCE = 1e-6
# Two cells of one level sharing more than this share of the smaller one's area "overlap".
OVERLAP_SHARE = 1e-6
# Properties that become columns; every other property is kept in `properties`.
STRUCTURAL = frozenset({"kind", "code", "name", "level", "parent", "cell", "source", "grade"})
KINDS = ("cell", "water_source", "zone", "checkpoint")
CODE_MAX, NAME_MAX = 32, 100  # the code and name columns in models/grid.py


@dataclass
class ParsedCell:
    label: str
    code: str
    name: str
    level: Level
    parent: str | None
    geom: BaseGeometry
    wkt: str
    properties: dict[str, Any]


@dataclass
class ParsedSource:
    label: str
    code: str
    name: str
    cell: str | None
    properties: dict[str, Any]


@dataclass
class ParsedZone:
    label: str
    source: str
    grade: Zone
    geom: BaseGeometry
    wkt: str


@dataclass
class ParsedGrid:
    """A grid file as read: its features by code, and the problems that refuse it."""

    cells: dict[str, ParsedCell] = field(default_factory=dict)
    sources: dict[str, ParsedSource] = field(default_factory=dict)
    zones: dict[tuple[str, Zone], ParsedZone] = field(default_factory=dict)
    checkpoints: dict[tuple[str, str], ParsedCheckpoint] = field(default_factory=dict)
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


def parse_grid(collection: Any) -> ParsedGrid:
    """Every feature of a FeatureCollection read on its own (shape, naming, level); what is
    wrong with one goes into `problems`, and checking goes on to name them all."""
    parsed = ParsedGrid()
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
               else (_text(props, "source"), _text(props, "code")) if kind == "checkpoint"
               else _text(props, "code"))
        if key in seen:
            parsed.problems.append(f"{label}: duplicate {kind} {key[1]}, also at {seen[key]}")
            continue
        seen[key] = label
        if kind == "checkpoint":
            point = parse_checkpoint(label, props, feat.get("geometry"))
            if isinstance(point, str):
                parsed.problems.append(f"{label}: {point}")
            else:
                parsed.checkpoints[(point.source, point.code)] = point
            continue
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


def _parse_cell(parsed: ParsedGrid, label: str, props: dict[str, Any], geo: Any) -> str | None:
    code, name, level = _text(props, "code"), _text(props, "name"), _text(props, "level")
    if problem := _naming_problem("cell", code, name):
        return problem
    assert code and name
    if level not in list(Level):
        return f"level must be city, county, township or village, not {level!r}"
    geom, why = _polygon(geo)
    if geom is None:
        return why
    parsed.cells[code] = ParsedCell(label, code, name, Level(level), _text(props, "parent"), geom,
                               geom.wkt, _extra(props))
    return None


def _parse_source(parsed: ParsedGrid, label: str, props: dict[str, Any], geo: Any) -> str | None:
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
    parsed.sources[code] = ParsedSource(label, code, name, _text(props, "cell"), extra)
    return None


def _parse_zone(parsed: ParsedGrid, label: str, props: dict[str, Any], geo: Any) -> str | None:
    source, grade = _text(props, "source"), _text(props, "grade")
    if not source:
        return "a zone needs the code of its water source in 'source'"
    if grade not in list(Zone):
        return f"grade must be one of grade1, grade2, quasi, not {grade!r}"
    geom, why = _polygon(geo)
    if geom is None:
        return why
    parsed.zones[(source, Zone(grade))] = ParsedZone(label, source, Zone(grade), geom, geom.wkt)
    return None


@dataclass
class _Known:
    """A cell as it will be after the import: from the file, else from the database."""

    label: str
    level: Level
    parent: str | None
    geom: BaseGeometry
    in_file: bool


def _known_cells(parsed: ParsedGrid, rows: Iterable[GridCell]) -> dict[str, _Known]:
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


def _check_tree(parsed: ParsedGrid, known: dict[str, _Known]) -> None:
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


def _zone_warnings(parsed: ParsedGrid, db_sources: list[WaterSource]) -> list[str]:
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


def check_grid(parsed: ParsedGrid, cells: list[GridCell], sources: list[WaterSource]) -> list[str]:
    """The file against itself and the database (the tree, unknown parents, sources and cells):
    problems go into parsed.problems; warnings (overlaps, zones not nested) are returned."""
    known = _known_cells(parsed, cells)
    _check_tree(parsed, known)
    source_codes = {s.code for s in sources} | set(parsed.sources)
    for src in parsed.sources.values():
        if src.cell is not None and src.cell not in known and src.cell not in parsed.broken:
            parsed.problems.append(f"{src.label}: unknown cell {src.cell}")
    owned: list[tuple[str, str]] = [(z.label, z.source) for z in parsed.zones.values()]
    owned += [(c.label, c.source) for c in parsed.checkpoints.values()]
    for label, source in owned:
        if source not in source_codes and source not in parsed.broken:
            parsed.problems.append(f"{label}: unknown water source {source}")
    return _overlap_warnings(known) + _zone_warnings(parsed, sources)
