"""Per-kind assembly: the workspace's tables become geometries, in EPSG:4326, indexed by id.

Points from ``lat``/``lon`` (places, deposits), lines along the geodesics through their
``nodes`` (rail, corridors, pipelines; with ``length_km``), belts as the buffered axis
clipped to their country. A cell the checks already reported gives no geometry.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import geometry, schema
from .report import ProblemLog

__all__ = ["belt_layer", "line_layer", "point_layer"]


def point_layer(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """A table with ``lon``/``lat`` as points (None where a coordinate is missing or bad).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": ["a", "b"], "lon": [69.2, float("nan")], "lat": [34.5, 1]})
    >>> [None if g is None else g.wkt for g in point_layer(frame).geometry]
    ['POINT (69.2 34.5)', None]
    """
    lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    geoms = shapely.points(lon, lat)
    # a missing, bad or out-of-range coordinate was reported by check_rows: no point
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    geoms[bad] = None
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
    return gdf.set_index("id", drop=False).rename_axis(None)


def line_layer(frame: pd.DataFrame, places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A table with ``nodes`` (place ids) as lines through those places, with ``length_km``."""
    coords = {i: (g.x, g.y) for i, g in zip(places["id"], places.geometry)
              if g is not None and not g.is_empty}
    geoms = []
    for nodes in frame["nodes"]:
        pts = [coords[n] for n in schema.split_list(nodes) if n in coords]
        if len(pts) >= 2 and len(pts) == len(schema.split_list(nodes)):
            geoms.append(geometry.line_through(pts))
        else:
            geoms.append(None)
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
    gdf["length_km"] = np.round(geometry.geodesic_length_km(gdf.geometry.to_numpy()), 1)
    return gdf.set_index("id", drop=False).rename_axis(None)


def belt_layer(frame: pd.DataFrame, countries: gpd.GeoDataFrame | None,
               log: ProblemLog) -> gpd.GeoDataFrame:
    """Belts as polygons: the axis buffered by ``half_width_km``, clipped to the country."""
    geoms = []
    for row in frame.itertuples(index=False):
        try:
            axis = shapely.LineString(schema.parse_axis(row.axis))
            poly = geometry.buffer_km(axis, float(row.half_width_km))
        except (ValueError, TypeError):
            geoms.append(None)  # the cell check already reported it
            continue
        country = getattr(row, "country", "")
        if country and countries is not None and country in countries.index:
            poly = shapely.make_valid(poly.intersection(countries.loc[country].geometry))
        if not poly.is_valid or poly.is_empty:
            log.problem("belts", "the belt polygon is empty or invalid", row.id)
        geoms.append(poly)
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
    return gdf.set_index("id", drop=False).rename_axis(None)
