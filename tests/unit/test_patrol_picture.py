"""A track drawn as a PNG: it opens, has the expected size, and the track's colour lies at the
projected start point."""

from __future__ import annotations

from io import BytesIO

from PIL import Image

from services.patrols.picture import SIZE, TRACK, TrackPicture, draw_track, projection_of


def test_the_track_is_drawn_where_it_lies() -> None:
    cell = "POLYGON((120.0 30.0, 120.02 30.0, 120.02 30.02, 120.0 30.02, 120.0 30.0))"
    picture = TrackPicture(track=[(30.005, 120.005), (30.01, 120.01), (30.015, 120.012)],
                           flagged=[(30.012, 120.015)],
                           checkpoints=[(30.01, 120.01, True)], outlines=[cell])
    image = Image.open(BytesIO(draw_track(picture)))
    assert image.format == "PNG" and image.size == SIZE
    x, y = projection_of(picture)(30.005, 120.005)
    assert image.convert("RGB").getpixel((round(x), round(y))) == TRACK
