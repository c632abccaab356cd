"""Distances on the WGS-84 ellipsoid (pyproj's Geod), in metres."""

from __future__ import annotations

from pyproj import Geod

_GEOD = Geod(ellps="WGS84")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The geodesic between two points, in metres."""
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(metres)
