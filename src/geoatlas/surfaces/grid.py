"""Where a surface is computed: the features it measures, its extent, its grid of cells.

Every surface (:mod:`.distance`, :mod:`.density`) starts the same way: the layer's
features selected with one :mod:`geoatlas.where` expression (:func:`select_features`),
a lon/lat extent (given, checked by :func:`lonlat_bounds`, or :func:`default_extent`),
and a north-up :class:`Grid` of square cells of ``resolution_km`` in a projected CRS
(:func:`make_grid`, a Lambert conformal conic fitted to the extent by default, the same
choice as the static map).

Examples
--------
>>> from pyproj import CRS
>>> grid = make_grid((0.0, 0.0, 12_500.0, 9_000.0), CRS.from_epsg(3857), 5.0)
>>> grid.width, grid.height, grid.res
(3, 2, 5000.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import CRS

from ..errors import QueryError

__all__ = [
    "DEFAULT_LAYERS",
    "MAX_CELLS",
    "Grid",
    "default_extent",
    "lonlat_bounds",
    "make_grid",
    "select_features",
]


MAX_CELLS = 25_000_000
DEFAULT_LAYERS = ("places", "deposits", "belts", "rail", "corridors")


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells in a projected CRS.

    Attributes
    ----------
    crs : pyproj.CRS
        The grid's CRS.
    transform : affine.Affine
        Upper-left origin, cell size ``res`` metres.
    width, height : int
        Columns and rows.
    res : float
        Cell size in metres.

    Examples
    --------
    >>> from pyproj import CRS
    >>> grid = make_grid((0.0, 0.0, 10_000.0, 5_000.0), CRS.from_epsg(3857), 5.0)
    >>> [v.tolist() for v in grid.centres()]
    [[2500.0, 7500.0], [2500.0]]
    >>> [v.tolist() for v in grid.edges()]
    [[0.0, 5000.0, 10000.0], [5000.0, 0.0]]
    """

    crs: CRS
    transform: object
    width: int
    height: int
    res: float

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Projected x (per column) and y (per row) of the cell centres."""
        t = self.transform
        xs = t.c + self.res * (np.arange(self.width) + 0.5)
        ys = t.f - self.res * (np.arange(self.height) + 0.5)
        return xs, ys

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Projected x edges (west to east) and y edges (north to south)."""
        t = self.transform
        return (t.c + self.res * np.arange(self.width + 1),
                t.f - self.res * np.arange(self.height + 1))


def make_grid(bounds: Sequence[float], crs: CRS, resolution_km: float) -> Grid:
    """A grid covering projected ``bounds``, snapped outwards to whole cells.

    Parameters
    ----------
    bounds : sequence of float
        ``(xmin, ymin, xmax, ymax)`` in ``crs`` metres.
    crs : pyproj.CRS
        The projected CRS.
    resolution_km : float
        Cell size in km.

    Returns
    -------
    Grid
        The grid; raises :class:`QueryError` when it would be unreasonably large.

    Examples
    --------
    >>> from pyproj import CRS
    >>> make_grid((0, 0, 1, 1), CRS.from_epsg(3857), 0)
    Traceback (most recent call last):
    geoatlas.errors.QueryError: resolution must be a positive number of km, not 0
    """
    from affine import Affine

    if not resolution_km or resolution_km <= 0:
        raise QueryError(f"resolution must be a positive number of km, not {resolution_km}")
    res = float(resolution_km) * 1000.0
    xmin, ymin, xmax, ymax = bounds
    x0, y0 = math.floor(xmin / res) * res, math.floor(ymin / res) * res
    x1, y1 = math.ceil(xmax / res) * res, math.ceil(ymax / res) * res
    width, height = max(1, round((x1 - x0) / res)), max(1, round((y1 - y0) / res))
    if width * height > MAX_CELLS:
        raise QueryError(f"a {width} x {height} grid at {resolution_km:g} km is too large; "
                         "choose a coarser --resolution-km or a smaller extent")
    return Grid(crs, Affine(res, 0.0, x0, 0.0, -res, y1), width, height, res)


def default_extent(atlas, layers: Sequence[str] = DEFAULT_LAYERS,
                   pad: float = 0.05) -> tuple[float, float, float, float]:
    """Lon/lat bounds of the workspace's own layers (not the basemap), padded.

    Parameters
    ----------
    atlas : Atlas
        The workspace.
    layers : sequence of str
        Layers whose features count.
    pad : float
        Fraction of the width/height added on each side.

    Returns
    -------
    tuple of float
        ``(min_lon, min_lat, max_lon, max_lat)``.
    """
    boxes = [atlas[n].total_bounds for n in layers
             if n in atlas.layers and len(atlas[n]) and atlas[n].geometry.notna().any()]
    if not boxes:
        raise QueryError("the workspace has no features to take an extent from; pass an extent")
    b = np.array(boxes)
    minx, miny = np.nanmin(b[:, 0]), np.nanmin(b[:, 1])
    maxx, maxy = np.nanmax(b[:, 2]), np.nanmax(b[:, 3])
    dx, dy = (maxx - minx) * pad, (maxy - miny) * pad
    return float(minx - dx), float(miny - dy), float(maxx + dx), float(maxy + dy)


def select_features(atlas, layer: str, where: str | None):
    """The features of ``layer`` a surface measures: ``where`` applied, empty geometries out.

    Raises :class:`QueryError` for an unknown layer or when nothing is selected.
    """
    if layer not in atlas.layers:
        raise QueryError(f"unknown layer '{layer}'; layers: {', '.join(atlas.layers)}")
    from ..where import field_choices, select  # one parser: errors point at the column

    frame = select(atlas[layer], where, "where", vocab=field_choices(layer))
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.empty:
        sel = f" where {where}" if where else ""
        raise QueryError(f"no {layer} features{sel}; nothing to measure from")
    return frame


def lonlat_bounds(extent) -> tuple[float, float, float, float]:
    """``extent`` as four floats ``(min_lon, min_lat, max_lon, max_lat)``, checked.

    Examples
    --------
    >>> lonlat_bounds([60, 29, 75, 39])
    (60.0, 29.0, 75.0, 39.0)
    >>> lonlat_bounds((75, 29, 60, 39))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geoatlas.errors.QueryError: extent must be (min_lon, ... max_lat), not (75, 29, 60, 39)
    """
    ext = tuple(float(v) for v in extent)
    if len(ext) != 4 or not (ext[0] < ext[2] and ext[1] < ext[3]):
        raise QueryError(f"extent must be (min_lon, min_lat, max_lon, max_lat), not {extent}")
    return ext  # type: ignore[return-value]
