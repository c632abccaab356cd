"""The demo the quickstart and the sandbox set up: the grid of Huzhou (huzhou.geojson, package
data written by data/demo/make_huzhou.py) and personas at every level of it."""

from importlib import resources
from importlib.resources.abc import Traversable

from services.demo.personas import (
    DEMO_PERSONAS,
    DEMO_WECOM_PERSONAS,
    HUZHOU_CITY,
    LAOHUTAN_SOURCE,
    LAOHUTAN_VILLAGE,
    MIAOXI_TOWNSHIP,
    WUXING_COUNTY,
    PersonaSpec,
    seed_demo_personas,
)

DEMO_GRID: Traversable = resources.files("services.demo") / "huzhou.geojson"

__all__ = [
    "DEMO_GRID",
    "DEMO_PERSONAS",
    "DEMO_WECOM_PERSONAS",
    "HUZHOU_CITY",
    "LAOHUTAN_SOURCE",
    "LAOHUTAN_VILLAGE",
    "MIAOXI_TOWNSHIP",
    "WUXING_COUNTY",
    "PersonaSpec",
    "seed_demo_personas",
]
