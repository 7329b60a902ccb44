"""Frames in plain OGR types: what every GIS file geoatlas writes is flattened to.

The write side of the I/O edge (:mod:`geoatlas.readers` is the read side), shared by
the exports (:mod:`geoatlas.export`) and the QGIS GeoPackage
(:mod:`geoatlas.render.qgis.gpkg`), so a layer reads back the same from either.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["GPKG_VERSION", "ogr_frame"]


GPKG_VERSION = "1.2"
"""GeoPackage version written: QGIS 3.22's GDAL 3.6 warns on GDAL 3.7+'s default 1.4."""


def ogr_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Flatten a layer or table into plain OGR column types, in a fresh frame.

    The index is dropped (every geoatlas frame keeps its ``id`` as a column), list,
    tuple and set cells become ``;``-separated strings, dates and datetimes become ISO
    8601 text, and numpy scalars become Python ones. A GeoDataFrame stays one, in
    EPSG:4326.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        A layer or table of an atlas.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        A copy that every OGR driver writes without loss.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["a"], "modes": [("rail", "road")]}, index=["a"])
    >>> ogr_frame(df)["modes"].tolist()
    ['rail;road']
    """
    out = frame.reset_index(drop=True)
    for col in out.columns:
        if isinstance(out, gpd.GeoDataFrame) and col == out.geometry.name:
            continue
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
                continue  # plain text (the common case, checked at C speed)
            if series.map(_needs_flattening).any():
                out[col] = series.map(_flatten_cell).astype(object)
        elif isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
            series.dtype
        ):
            out[col] = series.map(_flatten_cell).astype(object)
    if isinstance(out, gpd.GeoDataFrame):
        if out.crs is None:
            out = out.set_crs(4326)
        elif out.crs.to_epsg() != 4326:
            out = out.to_crs(4326)
    return out


def _needs_flattening(value) -> bool:
    return isinstance(value, (list, tuple, set, dt.date, np.generic))


def _flatten_cell(value):
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, set):
        return ";".join(sorted(str(v) for v in value))
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value
