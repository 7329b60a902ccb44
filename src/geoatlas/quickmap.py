"""A one-off offline web map of any GeoDataFrame on the world basemap (``geoatlas.map``).

:func:`quick_map` adopts the frame (:func:`geoatlas.frames.adopt_frame`), puts it in a
catalog holding only the packaged world basemap, and draws it with the atlas's style
spec, in the spirit of ``GeoDataFrame.explore()`` but as one offline file.

Examples
--------
>>> import geopandas as gpd, shapely, tempfile
>>> pits = gpd.GeoDataFrame({"name": ["Pit 1", "Pit 2"]}, crs=4326,
...                         geometry=[shapely.Point(69.2, 34.3), shapely.Point(68, 35)])
>>> path = tempfile.mkdtemp() + "/pits.html"
>>> m = quick_map(pits, out=path)
>>> open(path, encoding="utf-8").read().count("Pit 1") >= 1
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .frames import adopt_frame

__all__ = ["quick_map"]


def _world_catalog(root: Path):
    """A catalog with only the packaged world basemap (for maps of a bare frame)."""
    import pandas as pd

    from . import schema
    from .basemap.file import credit
    from .basemap.gazetteer import label_points, place_cities
    from .basemap.sources import read_asset
    from .workspace import Catalog

    world, cities, info = read_asset()
    world = world.sort_values("iso3").reset_index(drop=True)
    world["is_country"] = world["kind"] == "country"
    world = world.set_index("iso3", drop=False).rename_axis(None)
    cities = place_cities(cities, world)
    cities = cities.set_index("id", drop=False).rename_axis(None)
    tables = {}
    for name in schema.NON_SPATIAL:
        cols = [c.name for c in schema.TABLES[name].columns]
        tables[name] = pd.DataFrame(columns=cols, dtype=object)
    info = {**info, "credit": credit({**info, "source_short": "Natural Earth",
                                      "scale": "1:10m", "license": "public domain"})}
    labels = label_points(world)
    labels = labels.set_index("iso3", drop=False).rename_axis(None)
    return Catalog(root, {"countries": world}, tables, {}, {},
                   basemap={"countries": world, "cities": cities, "country_labels": labels},
                   basemap_info=info)


def quick_map(gdf, name: str = "layer", style: Mapping | None = None, sources=None,
              title: str | None = None, tooltip: Sequence[str] | None = None,
              popup: Sequence[str] | None = None, out: str | Path | None = None):
    """A one-off offline web map of ``gdf`` on the world basemap (``geoatlas.map``).

    Parameters
    ----------
    gdf : GeoDataFrame
        Any frame with a CRS; it needs no citations here (give ``sources`` to cite).
    name : str
        The layer's name (legend and layer control).
    style : dict, optional
        A recipe ``[layers.style]`` table, e.g. ``{"color_by": "primary_commodity"}``.
    sources : str, list or DataFrame, optional
        Source rows or ids, shown in popups.
    title : str, optional
        The map's title (default: ``name``).
    tooltip, popup : list of str, optional
        Fields on hover and in the popup (default: ``name`` if present; up to 12 fields).
    out : path, optional
        Write the HTML here (one self-contained file, works offline).

    Returns
    -------
    geoatlas.render.web.WebMap
    """
    from .atlas import Atlas
    from .recipe import parse_recipe
    from .render.web import make_map

    catalog = _world_catalog(Path.cwd())
    frame, table = adopt_frame(name, gdf, sources, catalog.tables["sources"],
                               require_sources=False)
    catalog.layers[name] = frame
    catalog.tables["sources"] = table
    atlas = Atlas(catalog)
    fields = [c for c in frame.columns if c != "geometry"]
    entry = {"layer": name, "title": title or name, "style": dict(style or {}),
             "popup": list(popup) if popup is not None else fields[:12]}
    if tooltip is not None:
        entry["tooltip"] = list(tooltip)
    recipe = parse_recipe({"title": title or name, "layers": [entry]}, name,
                          Path(f"{name}.toml"), atlas)
    m = make_map(atlas, recipe)
    if out is not None:
        from ._atomic import write_text

        write_text(out, m.render())
    return m
