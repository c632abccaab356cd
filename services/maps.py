"""Map links people can open: 高德地图 (AMap) for Chinese readers, OpenStreetMap for others.

Our points are WGS-84 (GPS). Maps of mainland China draw GCJ-02, which is WGS-84 shifted by
a published, deliberately irregular formula (300–600 m around Huzhou), so an AMap link gets
the converted point (`services.grid.datum`); outside China the two are the same.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from services.grid.datum import wgs84_to_gcj02
from services.settings import MapProvider


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
