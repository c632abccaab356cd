"""A patrol's track drawn as a PNG with Pillow, over the outlines it was walked in (the cell,
the protection zones, from their WKT): bytes from plain data, run in a thread, no session."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from io import BytesIO

from PIL import Image, ImageDraw
from shapely import wkt
from shapely.geometry import MultiPolygon, Polygon

SIZE = (800, 600)
MARGIN = 30
TRACK = (200, 30, 30)
OUTLINE = (60, 60, 60)
ZONE = (0, 92, 169)
FLAG = (230, 140, 0)
CHECK = (0, 140, 70)


@dataclass(frozen=True)
class TrackPicture:
    track: list[tuple[float, float]]  # counted points, (lat, lon), in order
    flagged: list[tuple[float, float]] = field(default_factory=list)
    checkpoints: list[tuple[float, float, bool]] = field(default_factory=list)  # passed?
    outlines: list[str] = field(default_factory=list)  # the cell's WKT first, then the zones'


class Projection:
    """Equirectangular, x scaled by cos(latitude): enough at a cell's size."""

    def __init__(self, points: list[tuple[float, float]]) -> None:
        lats = [p[0] for p in points] or [0.0]
        lons = [p[1] for p in points] or [0.0]
        self.k = math.cos(math.radians((min(lats) + max(lats)) / 2))
        self.x0, self.y1 = min(lons) * self.k, max(lats)
        width = max((max(lons) - min(lons)) * self.k, 1e-9)
        height = max(max(lats) - min(lats), 1e-9)
        self.scale = min((SIZE[0] - 2 * MARGIN) / width, (SIZE[1] - 2 * MARGIN) / height)
        self.dx = MARGIN + (SIZE[0] - 2 * MARGIN - width * self.scale) / 2  # centred
        self.dy = MARGIN + (SIZE[1] - 2 * MARGIN - height * self.scale) / 2

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        return (self.dx + (lon * self.k - self.x0) * self.scale,
                self.dy + (self.y1 - lat) * self.scale)


def _rings(text: str) -> list[list[tuple[float, float]]]:
    shape = wkt.loads(text)
    polygons = shape.geoms if isinstance(shape, MultiPolygon) else [shape]
    return [[(y, x) for x, y in p.exterior.coords] for p in polygons if isinstance(p, Polygon)]


def projection_of(picture: TrackPicture) -> Projection:
    points = list(picture.track) + list(picture.flagged) + [(a, b) for a, b, _ in
                                                              picture.checkpoints]
    for text in picture.outlines:
        for ring in _rings(text):
            points.extend(ring)
    return Projection(points)


def draw_track(picture: TrackPicture) -> bytes:
    """The PNG bytes: outlines, zones, the track, flagged crosses, checkpoint circles."""
    image = Image.new("RGB", SIZE, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    at = projection_of(picture)
    for i, text in enumerate(picture.outlines):
        for ring in _rings(text):
            draw.line([at(*p) for p in ring], fill=OUTLINE if i == 0 else ZONE, width=2)
    if len(picture.track) > 1:
        draw.line([at(*p) for p in picture.track], fill=TRACK, width=4)
    for lat, lon in picture.flagged:
        x, y = at(lat, lon)
        draw.line([(x - 4, y - 4), (x + 4, y + 4)], fill=FLAG, width=2)
        draw.line([(x - 4, y + 4), (x + 4, y - 4)], fill=FLAG, width=2)
    for lat, lon, passed in picture.checkpoints:
        x, y = at(lat, lon)
        draw.ellipse([x - 6, y - 6, x + 6, y + 6], outline=CHECK, width=2,
                     fill=CHECK if passed else None)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
