"""Resolve what a query names: layers, features, areas and ``where`` filters to frames.

The query verbs (:mod:`geoatlas.query`, :mod:`geoatlas.network`, the dask engine) take
GeoDataFrames, or names (``"rail"``, ``"places:kabul"``) together with anything that
holds layers: a :class:`LayerSource` (an :class:`~geoatlas.atlas.Atlas` is one). This
module knows nothing of how layers were loaded.

Examples
--------
>>> import geopandas as gpd, shapely
>>> class Layers(dict):
...     @property
...     def layers(self):
...         return list(self)
>>> pts = gpd.GeoDataFrame({"name": ["Kabul"]}, index=["kabul"],
...                        geometry=[shapely.Point(69.18, 34.56)], crs=4326)
>>> list(layer_frame("places:Kabul", Layers(places=pts)).index)
['kabul']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from .errors import QueryError, did_you_mean, listing

__all__ = [
    "LayerSource",
    "apply_where",
    "area_frame",
    "in_4326",
    "layer_frame",
    "prepared",
    "split_spec",
]


class LayerSource(Protocol):
    """Anything query verbs can read layers from by name (an Atlas is one)."""

    @property
    def layers(self) -> Iterable[str]:
        """The names of the layers."""

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        """The layer called ``name``."""


def apply_where(gdf: pd.DataFrame, where: str | None, what: str = "where",
                layer: str | None = None, values: bool = True) -> pd.DataFrame:
    """Rows of ``gdf`` matching the :mod:`geoatlas.where` expression ``where``.

    ``None`` or a blank string selects every row. ``layer`` names the atlas layer the
    frame is (its vocabularies count as known values); ``values=False`` skips the
    unknown-value check (for one partition of a larger frame).

    Raises :class:`~geoatlas.errors.WhereError` (a :class:`~geoatlas.errors.QueryError`)
    pointing at the column where the expression does not parse, or naming unknown
    fields or values and listing the valid ones.

    Examples
    --------
    >>> df = pd.DataFrame({"status": ["operating", "proposed"]}, index=["a", "b"])
    >>> list(apply_where(df, "status == 'operating'").index)
    ['a']
    >>> apply_where(df, "status == ")
    Traceback (most recent call last):
    ...
    geoatlas.errors.WhereError: where expression does not parse at column 10 (invalid syntax):
      status ==
               ^
    """
    from . import where as where_language

    vocab = where_language.field_choices(layer) if layer else None
    return where_language.select(gdf, where, what, vocab=vocab, values=values)


def split_spec(spec: str) -> tuple[str, str | None]:
    """``"places:kabul"`` -> ``("places", "kabul")``; ``"rail"`` -> ``("rail", None)``."""
    layer, sep, ident = spec.partition(":")
    return layer.strip(), (ident.strip() if sep else None)


def _require_atlas(atlas: LayerSource | None, spec: str) -> LayerSource:
    if atlas is None:
        raise QueryError(f"'{spec}' names a layer: pass atlas= or a GeoDataFrame")
    return atlas


def layer_frame(spec, atlas: LayerSource | None = None, role: str = "layer") -> gpd.GeoDataFrame:
    """Resolve ``spec`` to a GeoDataFrame.

    ``spec`` is a GeoDataFrame (returned as is), a layer name (``"rail"``) or one
    feature (``"places:kabul"``, several as ``"places:kabul;herat"``) of ``atlas``.
    Unknown layers or ids raise :class:`~geoatlas.errors.QueryError` listing valid ones.
    """
    if isinstance(spec, gpd.GeoDataFrame):
        return spec
    if isinstance(spec, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=spec)
    if not isinstance(spec, str):
        raise QueryError(
            f"{role} must be a layer name or a GeoDataFrame, not {type(spec).__name__}"
        )
    atlas = _require_atlas(atlas, spec)
    name, ident = split_spec(spec)
    if name not in atlas.layers:
        raise QueryError(
            f"unknown {'' if role == 'layer' else role + ' '}layer '{name}'"
            f"{did_you_mean(name, atlas.layers)}; "
            f"layers: {', '.join(atlas.layers)}"
        )
    gdf = atlas[name]
    if ident is None:
        return gdf
    wanted = [i.strip() for i in ident.split(";") if i.strip()]
    return gdf.loc[[_feature_id(gdf, name, i) for i in wanted]]


def _feature_id(gdf: gpd.GeoDataFrame, layer: str, ident: str) -> Any:
    if ident in gdf.index:
        return ident
    ids = [str(i) for i in gdf.index]
    lowered = {i.lower(): i for i in ids}
    if ident.lower() in lowered:
        return lowered[ident.lower()]
    if "name" in gdf:
        by_name = gdf.index[gdf["name"].astype(str).str.lower() == ident.lower()]
        if len(by_name):
            return by_name[0]
    raise QueryError(
        f"unknown {layer} id '{ident}'{did_you_mean(ident, ids)}; "
        f"{layer} ids: {listing(sorted(ids))}"
    )


def area_frame(spec, atlas: LayerSource | None = None) -> gpd.GeoDataFrame:
    """Resolve an area to a GeoDataFrame of polygons.

    ``spec`` is a GeoDataFrame or GeoSeries, a shapely geometry, a polygon layer name
    (``"belts"``), a feature (``"countries:AFG"``), or a bare id or name looked up in
    every polygon layer of ``atlas`` (``"central-belt"``, ``"AFG"``, ``"Afghanistan"``).
    """
    if isinstance(spec, BaseGeometry):
        return gpd.GeoDataFrame({"id": ["area"]}, geometry=[spec], index=["area"], crs=4326)
    if not isinstance(spec, str):
        return in_4326(layer_frame(spec, atlas, "area"))
    atlas = _require_atlas(atlas, spec)
    name, ident = split_spec(spec)
    if ident is not None or name in atlas.layers:
        return layer_frame(spec, atlas, "area")
    polygon_layers = [
        n for n in atlas.layers
        if len(atlas[n]) and atlas[n].geom_type.isin(["Polygon", "MultiPolygon"]).all()
    ]
    for layer in polygon_layers:
        gdf = atlas[layer]
        try:
            return gdf.loc[[_feature_id(gdf, layer, spec)]]
        except QueryError:
            continue
    known = {layer: sorted(map(str, atlas[layer].index)) for layer in polygon_layers}
    every = [i for ids in known.values() for i in ids]
    raise QueryError(
        f"unknown area '{spec}'{did_you_mean(spec, every)}: not a layer, nor an id or name in "
        + "; ".join(f"{layer} ({listing(ids, 40)})" for layer, ids in known.items())
    )


def prepared(layer, atlas, where, role, label="where") -> gpd.GeoDataFrame:
    """``layer`` resolved (:func:`layer_frame`), filtered by ``where``, in EPSG:4326."""
    gdf = layer_frame(layer, atlas, role)
    name = split_spec(layer)[0] if isinstance(layer, str) else None
    return in_4326(apply_where(gdf, where, label, layer=name))


def in_4326(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` reprojected to EPSG:4326 when it is in another CRS."""
    return gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
