"""Checkpoints in the grid file (kind `checkpoint`): a point of a water source a patrol should
pass (an intake, an outfall, a sign, a fence), with the radius within which it counts as
passed. Read here; `services.grid.load` writes them with the sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Checkpoint, WaterSource

POINT_KINDS = ("intake", "outfall", "sign", "fence", "other")
DEFAULT_RADIUS_M = 50.0
MAX_RADIUS_M = 2000.0


@dataclass
class ParsedCheckpoint:
    label: str
    source: str
    code: str
    name: str
    point: str  # one of POINT_KINDS
    lat: float
    lon: float
    radius_m: float


def parse_checkpoint(label: str, props: dict[str, Any], geo: Any) -> ParsedCheckpoint | str:
    """The checkpoint a feature describes, or why it is refused."""
    source, code, name = props.get("source"), props.get("code"), props.get("name")
    if not (isinstance(source, str) and source):
        return "a checkpoint needs the code of its water source in 'source'"
    if not (isinstance(code, str) and code and isinstance(name, str) and name) or len(
            code) > 32 or len(name) > 100:
        return "a checkpoint needs a code (at most 32 characters) and a name (at most 100)"
    point = props.get("point", "other")
    if point not in POINT_KINDS:
        return f"point must be one of {', '.join(POINT_KINDS)}, not {point!r}"
    radius = props.get("radius", DEFAULT_RADIUS_M)
    if isinstance(radius, bool) or not isinstance(radius, int | float) or not (
            0 < radius <= MAX_RADIUS_M):
        return f"radius must be metres, more than 0 and at most {MAX_RADIUS_M:g}"
    coords = geo.get("coordinates") if isinstance(geo, dict) else None
    if not (isinstance(geo, dict) and geo.get("type") == "Point" and isinstance(coords, list)
            and len(coords) >= 2 and all(isinstance(c, int | float) for c in coords[:2])
            and -180 <= coords[0] <= 180 and -90 <= coords[1] <= 90):
        return "a checkpoint's geometry must be a Point (longitude, latitude)"
    return ParsedCheckpoint(label, source, code, name, str(point), float(coords[1]),
                            float(coords[0]), float(radius))


async def write_checkpoints(session: AsyncSession,
                            parsed: dict[tuple[str, str], ParsedCheckpoint]) -> tuple[int, int]:
    """Upsert by (source, code); (created, changed). Checkpoints not in the file are kept."""
    if not parsed:
        return 0, 0
    sources = {s.code: s.id for s in (await session.scalars(select(WaterSource))).all()}
    rows = {(r.source_id, r.code): r for r in (await session.scalars(select(Checkpoint))).all()}
    created = changed = 0
    for c in parsed.values():
        source_id = sources[c.source]
        values = {"name": c.name, "kind": c.point, "lat": c.lat, "lon": c.lon,
                  "radius_m": c.radius_m}
        row = rows.get((source_id, c.code))
        if row is None:
            session.add(Checkpoint(source_id=source_id, code=c.code, **values))
            created += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed += 1
    await session.flush()
    return created, changed
