"""The compiled engine of :func:`geoatlas.query.near` and ``nearest`` for point layers.

Millions of points against thousands of lines is the common big query (every mineral
occurrence against the rail network). :mod:`geoatlas.query` answers it with the same
geodesic arithmetic as for any geometry, but in numpy batches that make and search
lon/lat boxes through shapely; here the same steps run compiled (numba), one point at a
time, on every core:

1. the counterparts' geodesic pieces (:class:`geoatlas.geodesic.Pieces`, at most
   :data:`~geoatlas.geodesic.DENSIFY_KM` long) are put in a uniform lon/lat grid;
2. each point visits the grid cells its search box covers: the same box
   :class:`geoatlas.geodesic.Geoms` makes, sure to hold everything within the radius;
3. the pieces found are ranked by their spherical distance (within 0.6 % of the
   geodesic), and only those that may hold the nearest feature are measured on the
   ellipsoid: distance and azimuth from the point to both ends of the piece (Vincenty's
   inverse formula, within 0.1 mm of :data:`~geoatlas.geometry.GEOD`'s), in the
   equidistant frame centred on the point, as :func:`geoatlas.geodesic._point_to_segment_m`;
4. the ``k`` nearest features are kept, ties broken by id; ``nearest`` widens the radius
   (doubling) until ``k`` are found.

A point inside a polygon (tested by the caller with GEOS), or lying on a line's
lon/lat segment, is 0 km from it. A point for which Vincenty's iteration does not
converge (nearly antipodal pieces) is reported back and answered by
:mod:`geoatlas.query`'s numpy engine. The functions are compiled on first use and the
machine code is cached on disk (numba's ``cache=True``), so only the first query on a
machine pays the compilation (a few seconds).

This module builds the grid and drives the steps; the compiled steps themselves are
:mod:`geoatlas.pointkernels`.

Examples
--------
>>> import numpy as np, shapely
>>> from geoatlas.geodesic import Geoms
>>> line = Geoms([shapely.LineString([(69.0, 34.0), (69.0, 35.0)])])
>>> _, j, km, retry = points_to_features(np.array([69.1]), np.array([34.5]), line,
...                                      radius_km=50.0, k=1)
>>> int(j[0, 0]), round(float(km[0, 0]), 2), bool(retry[0])
(0, 9.18, False)
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .geometry import KM_PER_DEG_LAT
from .pointkernels import by_cell, cell_items, ecef, join_points, reduced

__all__ = ["FeatureGrid", "points_to_features", "threads"]


_CHUNK = 2048  # points per parallel task


@dataclass(frozen=True)
class FeatureGrid:
    """The counterparts' pieces in a lon/lat grid, laid out for the kernel to read.

    Cell ``c`` holds items ``start[c]:start[c + 1]``: each names a piece, its lon/lat box
    and the first cell the piece covers (a piece in several cells is taken in one).
    A piece's record holds the lon/lat segment it was cut from, its ends on the pruning
    sphere and its ends as longitude (radians), sin and cos of the reduced latitude.
    """

    origin: tuple[float, float]
    cell: float
    shape: tuple[int, int]
    start: np.ndarray
    item_piece: np.ndarray
    item_box: np.ndarray  # (m, 4): xmin, ymin, xmax, ymax
    item_first: np.ndarray  # (m, 3): the piece's first column and row; the item's column
    piece: np.ndarray  # (n, 22): segment, sphere ends, reduced ends, ECEF ends (m)
    owner: np.ndarray
    n_features: int

    @classmethod
    def build(cls, pieces, n_features: int) -> FeatureGrid:
        """Grid ``pieces`` (a :class:`geoatlas.geodesic.Pieces`), about one per cell."""
        lon0, lat0, lon1, lat1 = (np.asarray(v, dtype=np.float64) for v in (
            pieces.lon0, pieces.lat0, pieces.lon1, pieces.lat1))
        n = len(lon0)
        box = np.column_stack([np.minimum(lon0, lon1), np.minimum(lat0, lat1),
                               np.maximum(lon0, lon1), np.maximum(lat0, lat1)])
        xmin, ymin = (float(box[:, 0].min()), float(box[:, 1].min())) if n else (0.0, 0.0)
        xmax, ymax = (float(box[:, 2].max()), float(box[:, 3].max())) if n else (0.0, 0.0)
        typical = float(np.median(np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]))
                        ) if n else 0.0
        cell = max(math.sqrt(max((xmax - xmin) * (ymax - ymin), 1e-12) / max(n, 1)), typical,
                   1e-6)
        while True:  # keep the grid about as big as the pieces
            nx, ny = int((xmax - xmin) / cell) + 1, int((ymax - ymin) / cell) + 1
            if nx * ny <= 4 * max(n, 1) + 16:
                break
            cell *= 1.5
        start, item_piece, item_first = cell_items(box, xmin, ymin, cell, nx, ny)
        record = np.column_stack([pieces.seg, *pieces.xyz,
                                  *reduced(lon0, lat0), *reduced(lon1, lat1),
                                  ecef(lon0, lat0), ecef(lon1, lat1)])
        return cls((xmin, ymin), cell, (nx, ny), start, item_piece,
                   np.ascontiguousarray(box[item_piece]), item_first,
                   np.ascontiguousarray(record, dtype=np.float64),
                   np.ascontiguousarray(pieces.owner, dtype=np.int64), int(n_features))

    @property
    def cell_km(self) -> float:
        """The cell's height in km: where ``nearest`` starts searching."""
        return self.cell * KM_PER_DEG_LAT



def points_to_features(lon, lat, grid, radius_km, k, zero_start=None, zero_feature=None,
                       rank=None, cap_km=None, wanted=None):
    """The ``k`` nearest features to each point, in km on the WGS84 ellipsoid.

    ``grid`` is a :class:`FeatureGrid`, or a :class:`geoatlas.geodesic.Geoms` of features.

    With ``cap_km`` None only features within ``radius_km`` are looked for (``near``);
    otherwise the radius doubles from ``radius_km`` until ``wanted`` (default ``k``)
    features are found or it reaches ``cap_km`` (``nearest``). ``zero_start`` /
    ``zero_feature`` (CSR by point) name features each point lies in (0 km); ``rank``
    orders features of equal distance (default: by position).

    Returns ``(point, feature, km, retry)``: the points' positions in the order they were
    answered (grid cells in turn), then ``(n, k)`` arrays in that order (feature -1 and
    km inf where there are fewer than ``k``) and a boolean per point that the caller
    must answer another way (Vincenty did not converge).
    """
    if not isinstance(grid, FeatureGrid):
        grid = grid.point_grid
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    n = len(lon)
    if zero_start is None:
        zero_start, zero_feature = np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if rank is None:
        rank = np.arange(grid.n_features, dtype=np.int64)
    growing = cap_km is not None
    cap = float(cap_km) if growing else float(radius_km)
    want = max(int(k if wanted is None else wanted), 0)
    # points in grid-cell order: neighbours read the same pieces (3x fewer cache misses)
    order, lon, lat = by_cell(lon, lat, grid.origin[0], grid.origin[1], grid.cell,
                               *grid.shape)
    zero_start, zero_feature = _reorder_csr(np.asarray(zero_start, dtype=np.int64),
                                            np.asarray(zero_feature, dtype=np.int64), order)
    out_f = np.empty((n, k), dtype=np.int64)  # the kernel fills every row
    out_d = np.empty((n, k))
    retry = np.zeros(n, dtype=np.bool_)
    args = (lon, lat, float(radius_km), cap, growing, int(k), want, zero_start, zero_feature,
            np.asarray(rank, dtype=np.int64), grid.origin[0], grid.origin[1], grid.cell,
            grid.shape[0], grid.shape[1], grid.start, grid.item_piece, grid.item_box,
            grid.item_first, grid.piece, grid.owner, grid.n_features, out_f, out_d, retry)
    chunks = [(lo, min(n, lo + _CHUNK)) for lo in range(0, n, _CHUNK)]
    workers = min(_threads(), len(chunks))
    if workers <= 1:
        for lo, hi in chunks:
            join_points(lo, hi, *args)
    else:  # the kernel releases the GIL: one thread per core
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda c: join_points(c[0], c[1], *args), chunks))
    return order, out_f, out_d, retry


_local = threading.local()


@contextmanager
def threads(n: int):
    """Use at most ``n`` threads in this thread's queries (a dask task runs on one).

    >>> with threads(1):
    ...     _threads()
    1
    """
    before = getattr(_local, "threads", None)
    _local.threads = max(1, int(n))
    try:
        yield
    finally:
        _local.threads = before


def _threads() -> int:
    """How many threads to use.

    That is what :func:`threads` set, else ``GEOATLAS_THREADS``, else the number of
    cores this process may run on.
    """
    if getattr(_local, "threads", None):
        return _local.threads
    env = os.environ.get("GEOATLAS_THREADS")
    if env:
        return max(1, int(env))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _reorder_csr(start: np.ndarray, items: np.ndarray, order: np.ndarray):
    """The CSR lists ``start``/``items`` of rows taken in ``order``."""
    if not len(items):
        return np.zeros(len(order) + 1, dtype=np.int64), items
    counts = np.diff(start)[order]
    new_start = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(counts, out=new_start[1:])
    take = np.repeat(start[:-1][order] - new_start[:-1], counts) + np.arange(new_start[-1])
    return new_start, items[take]
