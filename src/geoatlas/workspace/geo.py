"""Read ``geo/basemap.gpkg`` for a workspace: the countries and provinces the data refers to.

``countries`` (indexed by ``iso3``) and ``provinces`` (by ``id``) are required and
become catalog layers; the optional layers (label points, cities, lakes, rivers) and the
``basemap_info`` table go to the renderers. What the file is and how it is built is
:mod:`geoatlas.basemap`'s job; this module only reads it into frames.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from ..basemap.file import EXTRA_LAYERS, read_info
from ..errors import Problem
from ..readers import read_vector
from .find import BASEMAP
from .report import ProblemLog

__all__ = ["read_basemap", "read_basemap_extras"]


def read_basemap(root: Path, log: ProblemLog):
    """``(layers, extras, info)`` of the workspace basemap; problems go to ``log``.

    ``layers`` holds ``countries`` and ``provinces`` (EPSG:4326, indexed by id); a
    missing file or layer is a problem, and leaves the frames out.

    >>> from geoatlas.workspace.find import REPO_ROOT
    >>> layers, extras, info = read_basemap(REPO_ROOT, ProblemLog())
    >>> sorted(layers), "cities" in extras, info["crs"]
    (['countries', 'provinces'], True, 'EPSG:4326')
    """
    file = root / BASEMAP
    if not file.exists():
        log.problems.append(
            Problem(BASEMAP, "missing; build it with `python scripts/build_basemap.py`")
        )
        return {}, {}, {}
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, key in (("countries", "iso3"), ("provinces", "id")):
        try:
            gdf = read_vector(file, layer=name)
        except Exception as exc:  # pyogrio raises several types; report them all alike
            log.problems.append(Problem(BASEMAP, f"cannot read layer '{name}': {exc}"))
            continue
        if gdf.crs is None or gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326) if gdf.crs is not None else gdf.set_crs(4326)
        out[name] = gdf.set_index(key, drop=False).rename_axis(None)
    extras, info = read_basemap_extras(file)
    return out, extras, info


def read_basemap_extras(file: Path) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str]]:
    """Label points, cities, lakes, rivers and the info table, when the basemap has them."""
    info = read_info(file)
    extras = {}
    for name in EXTRA_LAYERS:
        try:
            gdf = read_vector(file, layer=name)
        except Exception:  # older basemaps lack these optional layers
            continue
        key = "id" if "id" in gdf else "iso3" if "iso3" in gdf else None
        if key is not None:
            gdf = gdf.set_index(key, drop=False).rename_axis(None)
        extras[name] = gdf
    return extras, info
