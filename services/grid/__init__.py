"""The four-level grid: questions about cells, sources and who manages them (`queries`), the
STRtree that routes a point (`routing`), where a case may be sent (`targets`), and a GeoJSON grid
checked (`check`) then loaded (`load`); a channel's point moved onto the grid's datum (`datum`)."""

from services.grid.datum import Datum, to_wgs84
from services.grid.load import GridImportError, ImportReport, import_grid
from services.grid.queries import (
    ancestors,
    cell_by_code,
    cell_chain,
    cell_names,
    cell_path_names,
    children,
    grid_tree,
    led_sources,
    list_sources,
    managers_by_cell,
    managers_of,
    nearest_managers,
    nearest_managers_of,
    path_ids,
    source_by_code,
    subtree_filter,
    villages_of_source,
)
from services.grid.routing import GridIndex, GridIndexHolder, Place, distance_m, load_grid_index
from services.grid.targets import Choice, Relation

__all__ = [
    "Choice",
    "Datum",
    "GridImportError",
    "GridIndex",
    "GridIndexHolder",
    "ImportReport",
    "Place",
    "Relation",
    "ancestors",
    "cell_by_code",
    "cell_chain",
    "cell_names",
    "cell_path_names",
    "children",
    "distance_m",
    "grid_tree",
    "import_grid",
    "led_sources",
    "list_sources",
    "load_grid_index",
    "managers_by_cell",
    "managers_of",
    "nearest_managers",
    "nearest_managers_of",
    "path_ids",
    "source_by_code",
    "subtree_filter",
    "to_wgs84",
    "villages_of_source",
]
