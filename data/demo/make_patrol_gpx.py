"""Make the demo patrol: laohutan-patrol.gpx, a 3 km walk along 老虎潭水库's shore (an arc of
600 m radius round the demo grid's point of the reservoir, a point every 10 s at 1.2 m/s, with
a metre or two of deterministic jitter), and laohutan-checkpoints.geojson, three checkpoints of
WS-LHT for the grid file: two on the walk, one 2 km away. Invented, like the demo villages.

    python data/demo/make_patrol_gpx.py
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gpxpy.gpx

HERE = Path(__file__).resolve().parent
CENTRE = (30.785, 119.96)  # WS-LHT in services/demo/huzhou.geojson
RADIUS_M, STEP_S, SPEED = 600.0, 10, 1.2
START = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)  # 09:30 in Huzhou
M_PER_DEG_LAT = 111_320.0


def at_angle(angle: float, radius: float = RADIUS_M) -> tuple[float, float]:
    lat = CENTRE[0] + radius * math.sin(angle) / M_PER_DEG_LAT
    lon = CENTRE[1] + radius * math.cos(angle) / (M_PER_DEG_LAT * math.cos(math.radians(
        CENTRE[0])))
    return lat, lon


def main() -> None:
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="老虎潭水库 巡库 (demo)")
    segment = gpxpy.gpx.GPXTrackSegment()
    steps = int(3000 / (SPEED * STEP_S))
    for i in range(steps + 1):
        angle = i * SPEED * STEP_S / RADIUS_M
        jitter = 1.5 * math.sin(i * 1.7)  # metres across the path
        lat, lon = at_angle(angle, RADIUS_M + jitter)
        segment.points.append(gpxpy.gpx.GPXTrackPoint(
            round(lat, 6), round(lon, 6), time=START + timedelta(seconds=i * STEP_S)))
    track.segments.append(segment)
    gpx.tracks.append(track)
    (HERE / "laohutan-patrol.gpx").write_text(gpx.to_xml(), encoding="utf-8")
    points = [("LHT-CP1", "取水口", "intake", 0.5), ("LHT-CP2", "一级保护区界牌", "sign", 3.0)]
    features = [{"type": "Feature", "properties": {
        "kind": "checkpoint", "source": "WS-LHT", "code": code, "name": name, "point": kind,
        "radius": 50, "invented": True},
        "geometry": {"type": "Point", "coordinates": [round(at_angle(a)[1], 6),
                                                      round(at_angle(a)[0], 6)]}}
        for code, name, kind, a in points]
    far = at_angle(1.0, RADIUS_M + 2000)
    features.append({"type": "Feature", "properties": {
        "kind": "checkpoint", "source": "WS-LHT", "code": "LHT-CP3", "name": "北岸护栏",
        "point": "fence", "radius": 50, "invented": True},
        "geometry": {"type": "Point", "coordinates": [round(far[1], 6), round(far[0], 6)]}})
    (HERE / "laohutan-checkpoints.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)
        + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
