"""GCJ-02, the datum of Tencent's and most Chinese maps, to and from WGS-84, which the grid is
stored in. GCJ-02 is a published obfuscation, not a geodetic datum (pyproj has no such CRS):
inside mainland China it moves a point by 100-700 m, outside it moves nothing. WGS-84 to GCJ-02
is a closed formula (the widely used one, on the Krasovsky 1940 ellipsoid, as in the open
eviltransform and coordTransform; forty lines do not earn a dependency); the way back has
none and is found by fixed-point iteration."""

from __future__ import annotations

import math
from enum import StrEnum

_A = 6378245.0  # the Krasovsky ellipsoid the formula is defined on
_EE = 0.00669342162296594323


class Datum(StrEnum):
    """What a channel's coordinates are in: WeCom's location messages are taken as GCJ-02."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"


def out_of_china(lat: float, lon: float) -> bool:
    """The formula's own box: outside it GCJ-02 and WGS-84 are the same."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _lat_shift(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _lon_shift(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    d_lat = _lat_shift(lon - 105.0, lat - 35.0)
    d_lon = _lon_shift(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float, *, tolerance: float = 1e-9) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 image is (lat, lon), to ~0.1 mm (tolerance in degrees)."""
    if out_of_china(lat, lon):
        return lat, lon
    guess_lat, guess_lon = lat, lon
    for _ in range(30):
        there_lat, there_lon = wgs84_to_gcj02(guess_lat, guess_lon)
        err_lat, err_lon = there_lat - lat, there_lon - lon
        if abs(err_lat) < tolerance and abs(err_lon) < tolerance:
            break
        guess_lat, guess_lon = guess_lat - err_lat, guess_lon - err_lon
    return guess_lat, guess_lon


def to_wgs84(lat: float, lon: float, datum: Datum) -> tuple[float, float]:
    """A channel's point in the datum the grid is stored in."""
    return gcj02_to_wgs84(lat, lon) if datum is Datum.GCJ02 else (lat, lon)
