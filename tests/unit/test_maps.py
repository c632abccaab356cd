"""Map links: WGS-84 to GCJ-02 against published points, AMap for Chinese readers, OSM for
others, and the `maps.provider` key."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bot.config import ConfigError, load_settings
from services.grid.datum import out_of_china, wgs84_to_gcj02
from services.maps import map_url, provider_for
from services.settings import MapProvider

ROOT = Path(__file__).resolve().parents[2]

# The test points of googollee/eviltransform (python/test.py, also go/transform_test.go):
# (WGS-84 lat, lon) -> (GCJ-02 lat, lon), which its implementations match to 1e-6 degrees.
EVILTRANSFORM = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM, ids=["shanghai", "shenzhen", "beijing"])
def test_wgs84_to_gcj02_matches_the_published_points(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    lat, lon = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-6)
    assert lon == pytest.approx(gcj[1], abs=1e-6)


@pytest.mark.parametrize("point", [(51.5007, -0.1246), (48.8584, 2.2945), (-33.8568, 151.2153)])
def test_outside_china_gcj02_is_wgs84(point: tuple[float, float]) -> None:
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point


def test_an_amap_link_carries_the_converted_point_and_the_name() -> None:
    url = map_url(30.79, 119.96, MapProvider.AMAP, name="妙西东北村")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "uri.amap.com", "/marker")
    query = parse_qs(parts.query)
    lon, lat = (float(v) for v in query["position"][0].split(","))  # AMap wants lon,lat
    expected = wgs84_to_gcj02(30.79, 119.96)
    assert (lat, lon) == (pytest.approx(expected[0], abs=1e-6),
                          pytest.approx(expected[1], abs=1e-6))
    assert (lat, lon) != (30.79, 119.96)  # inside China the shift is real (hundreds of metres)
    assert query["coordinate"] == ["gaode"] and unquote(query["name"][0]) == "妙西东北村"


def test_an_osm_link_keeps_wgs84_and_an_approximate_one_is_zoomed_out() -> None:
    exact = map_url(30.79, 119.96, MapProvider.OSM)
    assert exact.startswith("https://www.openstreetmap.org/?mlat=30.790000&mlon=119.960000")
    assert exact.endswith("#map=17/30.790000/119.960000")
    assert map_url(30.79, 119.96, MapProvider.OSM, approximate=True).endswith(
        "#map=14/30.790000/119.960000")


@pytest.mark.parametrize(("setting", "language", "expected"), [
    (MapProvider.AUTO, "zh_CN", MapProvider.AMAP),
    (MapProvider.AUTO, "en", MapProvider.OSM),
    (MapProvider.OSM, "zh_CN", MapProvider.OSM),
    (MapProvider.AMAP, "en", MapProvider.AMAP),
])
def test_the_provider_follows_the_setting_or_the_readers_language(
    setting: MapProvider, language: str, expected: MapProvider
) -> None:
    assert provider_for(setting, language) is expected


def test_maps_provider_is_read_from_the_configuration() -> None:
    assert load_settings(ROOT / "config.toml").maps.provider is MapProvider.AUTO
    chosen = load_settings(ROOT / "config.toml",
                           overrides=lambda d: d.setdefault("maps", {}).update(provider="osm"))
    assert chosen.maps.provider is MapProvider.OSM
    with pytest.raises(ConfigError) as bad:
        load_settings(ROOT / "config.toml",
                      overrides=lambda d: d.setdefault("maps", {}).update(provider="baidu"))
    assert "maps.provider" in str(bad.value) and "auto, amap or osm" in str(bad.value)
