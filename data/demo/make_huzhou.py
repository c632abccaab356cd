"""Writes services/demo/huzhou.geojson: a simplified, nested demo grid of Huzhou with five reservoirs.

Rectangles stand in for real borders so that nesting can be checked by eye; names of the city,
counties and townships are real, every village and every boundary is invented and says so.
Run: `.venv/bin/python data/demo/make_huzhou.py` (rewrites the .geojson, package data of
services.demo, which the quickstart and the tests load).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from shapely.geometry import Point, Polygon, box, mapping
from shapely.ops import unary_union

OUT = Path(__file__).resolve().parents[2] / "services" / "demo" / "huzhou.geojson"
Rect = tuple[float, float, float, float]  # west, south, east, north (degrees)

BOUNDARY_NOTE = "boundary simplified to straight lines for the demo; not the real border"
VILLAGE_NOTE = "invented for the demo: neither this village nor its boundary is real"

# County-level units: real names and administrative codes; simplified boundaries.
COUNTIES: list[tuple[str, str, list[tuple[float, float]]]] = [
    ("330502", "吴兴区", [(119.85, 30.68), (120.22, 30.68), (120.22, 31.00), (120.05, 31.00),
                        (120.05, 30.92), (119.85, 30.92)]),
    ("330503", "南浔区", [(120.22, 30.68), (120.50, 30.68), (120.50, 31.00), (120.22, 31.00)]),
    ("330521", "德清县", [(119.85, 30.40), (120.22, 30.40), (120.22, 30.68), (119.85, 30.68)]),
    ("330522", "长兴县", [(119.55, 30.92), (120.05, 30.92), (120.05, 31.20), (119.55, 31.20)]),
    ("330523", "安吉县", [(119.25, 30.40), (119.85, 30.40), (119.85, 30.92), (119.25, 30.92)]),
]

# Townships: real names, invented codes, rectangles. `villages` says how the rectangle is split:
# (columns, rows, skipped cells) so that one township keeps a corner with no village in it.
TOWNSHIPS: list[tuple[str, str, str, Rect, tuple[int, int, set[int]]]] = [
    ("330502", "330502100", "妙西镇", (119.85, 30.70, 120.02, 30.86), (2, 2, set())),
    ("330502", "330502101", "东林镇", (120.05, 30.68, 120.22, 30.80), (2, 2, {3})),
    ("330502", "330502102", "织里镇", (120.05, 30.88, 120.22, 31.00), (2, 2, set())),
    ("330502", "330502103", "爱山街道", (120.05, 30.82, 120.15, 30.88), (2, 1, set())),
    ("330503", "330503100", "南浔镇", (120.35, 30.82, 120.50, 31.00), (2, 2, set())),
    ("330503", "330503101", "双林镇", (120.22, 30.72, 120.35, 30.85), (2, 2, set())),
    ("330503", "330503102", "练市镇", (120.35, 30.68, 120.50, 30.78), (2, 1, set())),
    ("330521", "330521100", "莫干山镇", (119.85, 30.52, 119.95, 30.68), (2, 2, set())),
    ("330521", "330521101", "武康街道", (119.95, 30.50, 120.05, 30.60), (2, 2, set())),
    ("330521", "330521102", "乾元镇", (120.05, 30.48, 120.20, 30.62), (2, 2, set())),
    ("330522", "330522100", "雉城街道", (119.86, 30.96, 119.98, 31.06), (2, 2, set())),
    ("330522", "330522101", "水口乡", (119.72, 30.98, 119.86, 31.12), (2, 2, set())),
    ("330522", "330522102", "泗安镇", (119.55, 30.92, 119.72, 31.02), (2, 1, set())),
    ("330522", "330522103", "煤山镇", (119.55, 31.02, 119.72, 31.15), (2, 1, set())),
    ("330523", "330523100", "递铺街道", (119.62, 30.58, 119.75, 30.70), (2, 2, set())),
    ("330523", "330523101", "孝丰镇", (119.50, 30.50, 119.62, 30.62), (2, 2, set())),
    ("330523", "330523102", "报福镇", (119.38, 30.44, 119.50, 30.58), (2, 2, set())),
    ("330523", "330523103", "天荒坪镇", (119.62, 30.42, 119.75, 30.58), (2, 2, set())),
]

# Reservoirs near their real places (approximate): code, name, lat, lon, grade radii in degrees.
SOURCES: list[tuple[str, str, float, float, dict[str, float]]] = [
    ("WS-LHT", "老虎潭水库", 30.785, 119.960, {"grade1": 0.010, "grade2": 0.025, "quasi": 0.040}),
    ("WS-DHK", "对河口水库", 30.595, 119.885, {"grade1": 0.008, "grade2": 0.022}),
    ("WS-HX", "合溪水库", 31.045, 119.805, {"grade1": 0.008, "grade2": 0.022}),
    ("WS-FS", "赋石水库", 30.560, 119.560, {"grade1": 0.010, "grade2": 0.025, "quasi": 0.040}),
    ("WS-LSK", "老石坎水库", 30.505, 119.445, {"grade1": 0.008, "grade2": 0.022}),
]
GRADE_NAMES = {"grade1": "一级保护区", "grade2": "二级保护区", "quasi": "准保护区"}


def feature(geometry: Polygon | dict[str, Any], **props: Any) -> dict[str, Any]:
    geo = geometry if isinstance(geometry, dict) else _rounded(mapping(geometry))
    return {"type": "Feature", "properties": props, "geometry": geo}


def _rounded(geo: Any) -> Any:
    if isinstance(geo, float):
        return round(geo, 6)
    if isinstance(geo, list | tuple):
        return [_rounded(g) for g in geo]
    if isinstance(geo, dict):
        return {k: _rounded(v) for k, v in geo.items()}
    return geo


def split(rect: Rect, cols: int, rows: int) -> list[Rect]:
    """Row-major from the south-west corner: the pieces tile the rectangle exactly."""
    west, south, east, north = rect
    dx, dy = (east - west) / cols, (north - south) / rows
    return [
        (round(west + c * dx, 6), round(south + r * dy, 6),
         round(west + (c + 1) * dx, 6), round(south + (r + 1) * dy, 6))
        for r in range(rows) for c in range(cols)
    ]


def zone_shape(lat: float, lon: float, radius: float) -> Polygon:
    """A lopsided octagon, so zones look less like circles drawn by a ruler."""
    wobble = [1.0, 0.8, 1.1, 0.9, 1.0, 0.75, 1.05, 0.85]
    points = []
    for i, w in enumerate(wobble):
        angle = math.pi * 2 * i / len(wobble)
        # a degree of longitude is shorter than a degree of latitude at 30.8N
        points.append((lon + radius * w * math.cos(angle) / 0.86,
                       lat + radius * w * math.sin(angle)))
    return Polygon(points)


def build() -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    counties = {code: Polygon(ring) for code, _, ring in COUNTIES}
    city = unary_union(list(counties.values()))
    assert isinstance(city, Polygon), "the counties must join into one city polygon"
    features.append(feature(city, kind="cell", code="330500", name="湖州市", level="city",
                            invented=False,
                            note=BOUNDARY_NOTE + " (the union of the five counties)"))
    for code, name, _ in COUNTIES:
        features.append(feature(counties[code], kind="cell", code=code, name=name, level="county",
                                parent="330500", invented=False, note=BOUNDARY_NOTE))
    villages: dict[str, Polygon] = {}
    for county, code, name, rect, (cols, rows, skipped) in TOWNSHIPS:
        shape = box(*rect)
        assert counties[county].covers(shape), f"{name} is not inside its county"
        features.append(feature(shape, kind="cell", code=code, name=name, level="township",
                                parent=county, invented=False,
                                note="real township name; code invented; " + BOUNDARY_NOTE))
        short = name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        suffix = "社区" if name.endswith("街道") else "村"
        places = ["西南", "东南", "西北", "东北"] if rows == 2 else ["西", "东"]
        for i, piece in enumerate(split(rect, cols, rows)):
            if i in skipped:
                continue
            vcode = f"{code}{i + 1:03d}"
            villages[vcode] = box(*piece)
            features.append(feature(villages[vcode], kind="cell", code=vcode,
                                    name=f"{short}{places[i]}{suffix}", level="village",
                                    parent=code, invented=True, note=VILLAGE_NOTE))
    for code, name, lat, lon, radii in SOURCES:
        home = next((v for v, shape in villages.items() if shape.covers(Point(lon, lat))), None)
        props: dict[str, Any] = {"kind": "water_source", "code": code, "name": name,
                                 "note": "real reservoir; location approximate"}
        if home:
            props["cell"] = home
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]}})
        for grade, radius in radii.items():
            zone = zone_shape(lat, lon, radius)
            assert city.covers(zone)
            features.append(feature(zone, kind="zone", code=f"{code}-{grade}", source=code,
                                    grade=grade, name=f"{name}{GRADE_NAMES[grade]}",
                                    invented=True,
                                    note="shape invented for the demo; not the gazetted zone"))
    return {"type": "FeatureCollection",
            "name": "huzhou-demo",
            "description": "Demo grid of Huzhou: real city, county and township names with "
                           "simplified boundaries; invented villages; approximate reservoirs.",
            "features": features}


def main() -> None:
    out = OUT
    data = build()
    # one feature a line: readable, and a change shows as a one-line diff
    head = {k: v for k, v in data.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False) for f in data["features"]]
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n' + ",\n".join(lines)
    out.write_text(text + "\n]}\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
