"""Map links people can open: 高德地图 (AMap) for Chinese readers, OpenStreetMap for others.

Our points are WGS-84 (GPS). Maps of mainland China draw GCJ-02, which is WGS-84 shifted by
a published, deliberately irregular formula (300–600 m around Huzhou), so an AMap link gets
the converted point; outside China the two are the same. The formula is the widely used one
(Krasovsky 1940 ellipsoid, as in the open eviltransform and coordTransform implementations);
about thirty lines do not earn a dependency.
"""

from __future__ import annotations

import math
from urllib.parse import quote, urlencode

from services.settings import MapProvider

_A = 6378245.0  # semi-major axis of the Krasovsky 1940 ellipsoid, metres
_EE = 0.00669342162296594323  # its first eccentricity squared


def out_of_china(lat: float, lon: float) -> bool:
    """The rough box GCJ-02 implementations use; outside it no shift is applied."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    value = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    value += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    value += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return value


def _shift_lon(x: float, y: float) -> float:
    value = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    value += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    value += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    value += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return value


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) on GPS (WGS-84) to the point Chinese maps (GCJ-02) draw there."""
    if out_of_china(lat, lon):
        return lat, lon
    x, y = lon - 105.0, lat - 35.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    root = math.sqrt(magic)
    dlat = _shift_lat(x, y) * 180.0 / ((_A * (1 - _EE)) / (magic * root) * math.pi)
    dlon = _shift_lon(x, y) * 180.0 / (_A / root * math.cos(rad) * math.pi)
    return lat + dlat, lon + dlon


def provider_for(setting: MapProvider, language: str) -> MapProvider:
    if setting is not MapProvider.AUTO:
        return setting
    return MapProvider.AMAP if language.startswith("zh") else MapProvider.OSM


def map_url(lat: float, lon: float, provider: MapProvider, *, name: str = "",
            approximate: bool = False) -> str:
    """A link that opens the point (WGS-84) on the provider's map; an approximate point (a
    village chosen from the list) is shown zoomed out. `provider` must not be AUTO."""
    if provider is MapProvider.AMAP:
        glat, glon = wgs84_to_gcj02(lat, lon)
        query = {"position": f"{glon:.6f},{glat:.6f}", "coordinate": "gaode",
                 "src": "gridpatrol", "callnative": "0"}
        if name:
            query["name"] = name
        return "https://uri.amap.com/marker?" + urlencode(query, quote_via=quote, safe=",")
    zoom = 14 if approximate else 17
    return (f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"
            f"#map={zoom}/{lat:.6f}/{lon:.6f}")
