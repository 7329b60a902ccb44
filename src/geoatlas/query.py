"""Spatial queries over GeoDataFrames: near, nearest, within, intersects, summarize.

Every distance is in km and geodesic (WGS84 ellipsoid), never in degrees: candidates
from lon/lat boxes sure to hold everything within the distance, then exact distances
between geodesically densified pieces (see :mod:`geoatlas.geodesic`). The verbs over
frames are :mod:`geoatlas.engines.memory` (point layers through the compiled
:mod:`geoatlas.pointjoin`); ``engine="dask"`` runs the same ones partition by partition
(:mod:`geoatlas.engines.dask`). Names and filters are resolved by
:mod:`geoatlas.resolve`; this module checks arguments and picks the engine.

The functions take GeoDataFrames, or layer names (``"rail"``) and single features
(``"places:kabul"``) together with ``atlas=``; the :class:`~geoatlas.atlas.Atlas`
methods of the same names pass themselves as ``atlas``.

``where`` selects the features a verb returns rows for, in every verb; ``near`` and
``nearest`` take ``to_where`` for their counterparts (for one release, ``where`` without
``to_where`` keeps its old meaning there and warns: :mod:`geoatlas.filter_sides`).

Examples
--------
>>> import geopandas as gpd, shapely
>>> pts = gpd.GeoDataFrame({"name": ["Kabul", "Mes Aynak"]}, index=["kabul", "mes-aynak"],
...                        geometry=[shapely.Point(69.1772, 34.5553),
...                                  shapely.Point(69.3250, 34.2650)], crs=4326)
>>> hits = near(pts.loc[["mes-aynak"]], pts.loc[["kabul"]], km=50)
>>> hits[["nearest_id", "distance_km"]].round(1)
          nearest_id  distance_km
mes-aynak      kabul         35.0
>>> near(pts, pts.loc[["kabul"]], km=50, where="name != 'Kabul'",
...      to_where="name == 'Kabul'").index.tolist()
['mes-aynak']
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np

from .engines import memory
from .engines.memory import AREA_TOLERANCE_KM
from .errors import QueryError
from .filter_sides import split_filters, warn_deprecated
from .geodesic import DENSIFY_KM, distance_km, pairwise_km
from .resolve import LayerSource, apply_where, area_frame, layer_frame
from .resolve import prepared as _prepared

__all__ = [
    "AREA_TOLERANCE_KM",
    "DENSIFY_KM",
    "apply_where",
    "area_frame",
    "distance_km",
    "intersects",
    "layer_frame",
    "near",
    "nearest",
    "pairwise_km",
    "summarize",
    "within",
]


# -- public queries ----------------------------------------------------------------------
ENGINES = ("memory", "dask")
"""``engine=`` of near, nearest and summarize: this module, or :mod:`geoatlas.engines.dask`
(partition by partition on a dask.distributed cluster; same results)."""


def _other_engine(engine: str, options: dict):
    """The module of ``engine`` (None for the in-memory one), checking its options."""
    if engine == "memory":
        if options:
            raise QueryError(f"option(s) {', '.join(sorted(options))} need engine='dask'")
        return None
    if engine == "dask":
        from .engines import dask

        return dask
    raise QueryError(f"unknown engine '{engine}'; engines: {', '.join(ENGINES)}")


def near(
    gdf,
    to,
    km: float,
    where: str | None = None,
    filter: str | None = None,
    atlas: LayerSource | None = None,
    engine: str = "memory",
    *,
    to_where: str | None = None,
    **engine_options,
) -> gpd.GeoDataFrame:
    """Features of ``gdf`` within ``km`` km of any feature of ``to``.

    Parameters
    ----------
    gdf, to : GeoDataFrame or str
        The features asked about and their counterparts (layer names or
        ``"layer:id"`` need ``atlas``).
    km : float
        Search distance in km (geodesic; a feature touching or inside a counterpart is
        0 km from it).
    where : str, optional
        Filter (:mod:`geoatlas.where`) selecting the features of ``gdf`` asked about,
        as in every verb, once ``to_where`` is given. Without ``to_where`` it still
        selects the counterparts, for one release, with a
        :class:`~geoatlas.errors.GeoatlasDeprecationWarning` (see
        :mod:`geoatlas.filter_sides`).
    filter : str, optional
        The former name of ``where`` for the features of ``gdf``.
    atlas : Atlas, optional
        Resolves layer names.
    engine : {"memory", "dask"}
        ``"dask"`` runs on a dask cluster (:func:`geoatlas.engines.dask.near`, whose
        ``client``, ``npartitions`` and ``out`` options it passes on); same result.
    to_where : str, optional
        Filter selecting the counterparts in ``to`` (``"status == 'operating'"``).

    Returns
    -------
    GeoDataFrame
        The matching rows of ``gdf`` with ``nearest_id`` (and ``nearest_name``) of the
        nearest counterpart and ``distance_km`` to it, sorted by distance then id. Ties
        go to the counterpart whose id sorts first.
    """
    other = _other_engine(engine, engine_options)
    if other is not None:
        return other.near(gdf, to, km, where, filter, atlas, to_where=to_where,
                          **engine_options)
    sides = split_filters("near", where, to_where, filter)
    warn_deprecated(sides)
    if km is None or not np.isfinite(km) or km < 0:
        raise QueryError(f"km must be a distance >= 0, not {km!r}")
    subject = _prepared(gdf, atlas, sides.subjects, "layer", sides.subjects_label)
    target = _prepared(to, atlas, sides.counterparts, "counterpart")
    return memory.near(subject, target, km)


def nearest(
    gdf,
    to,
    k: int = 1,
    max_km: float | None = None,
    where: str | None = None,
    filter: str | None = None,
    atlas: LayerSource | None = None,
    engine: str = "memory",
    *,
    to_where: str | None = None,
    **engine_options,
) -> gpd.GeoDataFrame:
    """The ``k`` nearest counterparts in ``to`` of every feature of ``gdf``.

    Parameters
    ----------
    gdf, to : GeoDataFrame or str
        Features asked about and candidate counterparts (names need ``atlas``).
    k : int
        How many counterparts per feature.
    max_km : float, optional
        Ignore counterparts farther than this (a feature with none is left out).
    where : str, optional
        Filter (:mod:`geoatlas.where`) selecting the features of ``gdf``, once
        ``to_where`` is given; without it, the counterparts, with a deprecation warning
        (as in :func:`near`).
    filter : str, optional
        The former name of ``where`` for the features of ``gdf``.
    atlas : Atlas, optional
        Resolves layer names.
    engine : {"memory", "dask"}
        ``"dask"`` runs on a dask cluster (:func:`geoatlas.engines.dask.nearest`); same
        result.
    to_where : str, optional
        Filter selecting the counterparts in ``to`` (``"kind == 'border_crossing'"``).

    Returns
    -------
    GeoDataFrame
        One row per (feature, counterpart): the feature's columns plus ``rank``
        (1 = nearest), ``nearest_id``, ``nearest_name`` and ``distance_km``, in the
        order of ``gdf`` then rank. Equal distances are ranked by counterpart id.
    """
    other = _other_engine(engine, engine_options)
    if other is not None:
        return other.nearest(gdf, to, k, max_km, where, filter, atlas, to_where=to_where,
                             **engine_options)
    sides = split_filters("nearest", where, to_where, filter)
    warn_deprecated(sides)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise QueryError(f"k must be a whole number >= 1, not {k!r}")
    if max_km is not None and (not np.isfinite(max_km) or max_km < 0):
        raise QueryError(f"max_km must be a distance >= 0, not {max_km!r}")
    subject = _prepared(gdf, atlas, sides.subjects, "layer", sides.subjects_label)
    target = _prepared(to, atlas, sides.counterparts, "counterpart")
    return memory.nearest(subject, target, k, max_km)


def within(gdf, area, where: str | None = None,
           atlas: LayerSource | None = None) -> gpd.GeoDataFrame:
    """Features of ``gdf`` lying entirely inside ``area``.

    Parameters
    ----------
    gdf : GeoDataFrame or str
        The features (a layer name needs ``atlas``).
    area : GeoDataFrame, shapely geometry or str
        Polygons (see :func:`area_frame`: ``"belts:central-belt"``, ``"AFG"``, ...).
    where : str, optional
        Filter (:mod:`geoatlas.where`) selecting features of ``gdf`` first.
    atlas : Atlas, optional
        Resolves layer names and area ids.

    Returns
    -------
    GeoDataFrame
        The matching rows of ``gdf`` (in their order) with ``area_ids``: the ids of the
        areas holding them, ``;``-separated.
    """
    subject = _prepared(gdf, atlas, where, "layer")
    areas = area_frame(area, atlas)
    return memory.within(subject, areas)


def intersects(gdf, area, where: str | None = None,
               atlas: LayerSource | None = None) -> gpd.GeoDataFrame:
    """Features of ``gdf`` touching or crossing ``area`` (e.g. rail inside Afghanistan).

    Same parameters and result as :func:`within`, with the ``intersects`` predicate: a
    line that leaves the area still counts.
    """
    subject = _prepared(gdf, atlas, where, "layer")
    areas = area_frame(area, atlas)
    return memory.intersects(subject, areas)


def summarize(
    gdf,
    by,
    stats: Sequence[str] | str | None = None,
    where: str | None = None,
    atlas: LayerSource | None = None,
    engine: str = "memory",
    **engine_options,
) -> gpd.GeoDataFrame:
    """Aggregate the features of ``gdf`` per area of ``by``: a choropleth-ready frame.

    Points are counted in the area holding them (the first in ``by`` order when on a
    shared border; the nearest when up to :data:`AREA_TOLERANCE_KM` outside every area);
    lines and polygons in every area they touch.

    Parameters
    ----------
    gdf : GeoDataFrame or str
        The features (layer name needs ``atlas``).
    by : GeoDataFrame or str
        The areas (``"provinces"``, ``"countries"``, ``"belts"`` or a GeoDataFrame).
    stats : list of str, optional
        ``"count"`` and ``"<func>:<field>"`` with func in sum, mean, min, max, list.
        Default: count, ``sum:contract_value_usd`` and ``list:name`` where the fields
        exist.
    where : str, optional
        Filter (:mod:`geoatlas.where`) selecting features of ``gdf`` first.
    atlas : Atlas, optional
        Resolves layer names.
    engine : {"memory", "dask"}
        ``"dask"`` runs on a dask cluster (:func:`geoatlas.engines.dask.summarize`);
        same result.

    Returns
    -------
    GeoDataFrame
        Every area of ``by`` (geometry and attributes) plus one column per statistic:
        ``count`` (0 where empty), ``sum_<field>`` etc. (NaN where no value is known),
        ``list_<field>`` (sorted unique values joined by ``;``).
    """
    other = _other_engine(engine, engine_options)
    if other is not None:
        return other.summarize(gdf, by, stats, where, atlas, **engine_options)
    subject = _prepared(gdf, atlas, where, "layer")
    areas = area_frame(by, atlas)
    return memory.summarize(subject, areas, stats)
