"""Spatial queries over GeoDataFrames: near, nearest, within, intersects, summarize.

Every distance is in km and geodesic (WGS84 ellipsoid), never in degrees. The work is
done in two vectorised steps:

1. **Candidate search** with a :class:`shapely.STRtree` over the target geometries,
   queried with lon/lat boxes that are *guaranteed* to hold everything within the search
   distance (a degree of latitude is at least 110.5 km; a degree of longitude at least
   111.3 km x cos of the highest latitude the box reaches). No projection distortion
   can make the search miss a feature.
2. **Exact distance** for each candidate pair. Lines and polygon rings are cut into
   pieces of at most :data:`DENSIFY_KM` along geodesics, so a segment between two
   vertices is read as the geodesic between them, as
   :func:`geoatlas.geometry.line_through` draws it. Nearby pieces are found with a
   second STRtree, ranked by a cheap spherical distance, and only those that may be the
   nearest are measured on the ellipsoid: each end of one piece is put at the centre of
   its own azimuthal equidistant frame (distance and azimuth from
   :data:`~geoatlas.geometry.GEOD`, so distances from the centre are exact) and its
   distance to the other piece is measured there. Geometries that intersect (a point
   inside a polygon, crossing lines) are 0 km apart.

Point layers (the big case: a million occurrences against a rail network) go through
:mod:`geoatlas.pointjoin` instead, which runs the same steps compiled, point by point,
on every core; its answers are the same to within micrometres (tested against this
module's engine).

The functions take GeoDataFrames, or layer names (``"rail"``) and single features
(``"places:kabul"``) together with ``atlas=``; the :class:`~geoatlas.atlas.Atlas`
methods of the same names pass themselves as ``atlas``.

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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from .errors import QueryError, did_you_mean, listing
from .geometry import GEOD

if TYPE_CHECKING:  # pragma: no cover
    from .atlas import Atlas

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

DENSIFY_KM = 10.0
"""Longest segment kept when lines and rings are densified along geodesics. A 10 km
chord strays from its geodesic by metres, far inside the 0.5 % the queries promise."""

AREA_TOLERANCE_KM = 5.0
"""How far outside every area a point may lie and still be counted in the nearest one by
:func:`summarize` (the loader's border tolerance: 1:10m boundaries are coarse)."""

_KM_PER_DEG_LAT = 110.5  # the shortest degree of latitude (at the equator) is 110.574 km
_KM_PER_DEG_LON = 111.3  # a degree of longitude at latitude phi is >= 111.32 cos(phi) km
_HALF_EARTH_KM = 20_040.0  # no two points on the ellipsoid are farther apart
_CHUNK = 1_000_000  # piece pairs measured per numpy batch (bounds memory)
_SEARCH_MARGIN_KM = 1.0
_EARTH_KM = 6371.0088  # mean radius: spherical distances prune candidates before Geod
_PRUNE = (1.02, 0.5)  # sphere vs ellipsoid differ < 0.6 %: keep pairs within 2 % + 0.5 km


# -- geodesic engine ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Pieces:
    """Geometries cut into geodesically densified pieces: segments, and single points.

    Piece ``p`` runs from vertex ``(lon0[p], lat0[p])`` to ``(lon1[p], lat1[p])`` (the
    same vertex for a point), belongs to geometry ``owner[p]`` and was cut from its
    lon/lat segment ``seg[p]`` (``x0, y0, x1, y1``).
    """

    lon0: np.ndarray
    lat0: np.ndarray
    lon1: np.ndarray
    lat1: np.ndarray
    owner: np.ndarray
    seg: np.ndarray

    @property
    def xyz(self) -> tuple[np.ndarray, np.ndarray]:
        """Both ends as points on a sphere of radius :data:`_EARTH_KM` (for pruning)."""
        return _unit(self.lon0, self.lat0) * _EARTH_KM, _unit(self.lon1, self.lat1) * _EARTH_KM

    @property
    def bounds(self) -> np.ndarray:
        """``(n, 4)`` lon/lat bounds of every piece (no geometry made)."""
        return np.column_stack([np.minimum(self.lon0, self.lon1), np.minimum(self.lat0, self.lat1),
                                np.maximum(self.lon0, self.lon1), np.maximum(self.lat0, self.lat1)])

    @property
    def boxes(self) -> np.ndarray:
        return shapely.box(*self.bounds.T)


def _unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _arc_km(chord_km: np.ndarray) -> np.ndarray:
    """The great-circle km a chord (km) of the pruning sphere cuts off."""
    return 2.0 * _EARTH_KM * np.arcsin(np.minimum(chord_km / (2.0 * _EARTH_KM), 1.0))


def _sphere_point_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between lon/lat points ``a[i]`` and ``b[i]`` (``(n, 2)`` arrays)."""
    chord = np.linalg.norm(_unit(a[:, 0], a[:, 1]) - _unit(b[:, 0], b[:, 1]), axis=1)
    return _arc_km(chord * _EARTH_KM)


def _chord_to_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    len2 = np.einsum("ij,ij->i", ab, ab)
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
    return np.linalg.norm(a + t[:, None] * ab - p, axis=1)


def _sphere_km(a: _Pieces, pa: np.ndarray, b: _Pieces, pb: np.ndarray) -> np.ndarray:
    """Spherical distance between pieces: within 0.6 % of the geodesic, and cheap."""
    (a0, a1), (b0, b1) = a.xyz, b.xyz
    a0, a1, b0, b1 = a0[pa], a1[pa], b0[pb], b1[pb]
    chord = np.minimum.reduce([_chord_to_segment(a0, b0, b1), _chord_to_segment(a1, b0, b1),
                               _chord_to_segment(b0, a0, a1), _chord_to_segment(b1, a0, a1)])
    return _arc_km(chord)


def _pieces(geoms: np.ndarray, step_km: float = DENSIFY_KM) -> _Pieces:
    if len(geoms) and (shapely.get_type_id(geoms) == 0).all() and not shapely.is_empty(
            geoms).any():  # plain points are their own parts
        parts, owner = geoms, np.arange(len(geoms))
    else:
        parts, owner = shapely.get_parts(geoms, return_index=True)
    is_poly = shapely.get_type_id(parts) == 3
    if is_poly.any():  # polygons are measured by their rings (containment is tested apart)
        rings, ring_of = shapely.get_rings(parts[is_poly], return_index=True)
        parts = np.concatenate([parts[~is_poly], rings])
        owner = np.concatenate([owner[~is_poly], owner[is_poly][ring_of]])
    coords, path = shapely.get_coordinates(parts, return_index=True)
    seg = np.zeros(len(coords), dtype=bool)
    seg[:-1] = path[1:] == path[:-1]
    lone = ~seg & ~np.r_[False, seg[:-1]]  # a path of one vertex: a point
    first = np.flatnonzero(seg)
    a, b = coords[first], coords[first + 1]
    # segments surely shorter than a step stay whole: a geodesic is at most 0.46 % longer
    # than the spherical distance; the others are measured and cut into n equal pieces
    long = np.flatnonzero(_sphere_point_km(a, b) * 1.005 > step_km)
    az, dist = np.zeros(len(first)), np.zeros(len(first))
    if len(long):
        az[long], _, dist[long] = GEOD.inv(a[long, 0], a[long, 1], b[long, 0], b[long, 1])
    n = np.maximum(1, np.ceil(dist / (step_km * 1000.0))).astype(np.int64)
    rep = np.repeat(np.arange(len(first)), n)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    lon0, lat0 = a[rep, 0].copy(), a[rep, 1].copy()
    inner = np.flatnonzero(k > 0)  # pieces that start inside their segment
    if len(inner):
        s = rep[inner]
        lon0[inner], lat0[inner], _ = GEOD.fwd(a[s, 0], a[s, 1], az[s], dist[s] * (k[inner] / n[s]))
    last = k == n[rep] - 1  # a piece ends where the next begins, the last one at b
    lon1, lat1 = np.empty_like(lon0), np.empty_like(lat0)
    lon1[last], lat1[last] = b[rep[last], 0], b[rep[last], 1]
    more = np.flatnonzero(~last)
    lon1[more], lat1[more] = lon0[more + 1], lat0[more + 1]
    pts = coords[lone]
    return _Pieces(
        np.concatenate([lon0, pts[:, 0]]), np.concatenate([lat0, pts[:, 1]]),
        np.concatenate([lon1, pts[:, 0]]), np.concatenate([lat1, pts[:, 1]]),
        np.concatenate([owner[path[first]][rep], owner[path[lone]]]).astype(np.int64),
        np.concatenate([np.column_stack([a[rep], b[rep]]), np.column_stack([pts, pts])]),
    )


def _point_to_segment_m(lon, lat, lon1, lat1, lon2, lat2) -> np.ndarray:
    """Metres from each point to the segment, in an equidistant frame centred on the point.

    Distance and azimuth from the centre are exact geodesic values, so the result is
    exact at the segment's ends and within metres of it between them.
    """
    az1, _, d1 = GEOD.inv(lon, lat, lon1, lat1)
    az2, _, d2 = GEOD.inv(lon, lat, lon2, lat2)
    r1, r2 = np.radians(az1), np.radians(az2)
    x1, y1 = d1 * np.sin(r1), d1 * np.cos(r1)
    dx, dy = d2 * np.sin(r2) - x1, d2 * np.cos(r2) - y1
    len2 = dx * dx + dy * dy
    t = -(x1 * dx + y1 * dy) / np.where(len2 > 0, len2, 1.0)
    inner = (len2 > 0) & (t > 0) & (t < 1)
    return np.where(inner, np.hypot(x1 + t * dx, y1 + t * dy), np.minimum(d1, d2))


def _piece_km(a: _Pieces, pa: np.ndarray, b: _Pieces, pb: np.ndarray) -> np.ndarray:
    """Distance in km between pieces ``a[pa]`` and ``b[pb]`` (0 is left to intersects)."""
    out = np.full(len(pa), np.inf)
    for lo in range(0, len(pa), _CHUNK):
        i, j = pa[lo:lo + _CHUNK], pb[lo:lo + _CHUNK]
        # a point piece of ``a`` is measured from its side only: point to point is then
        # exactly Geod.inv(a, b), so equal distances tie exactly, as in a brute force
        # (and its two ends being one, one measurement does: a quarter of the Geod calls)
        point = (a.lon0[i] == a.lon1[i]) & (a.lat0[i] == a.lat1[i])
        part = np.empty(len(i))
        p, s = i[point], j[point]
        part[point] = _point_to_segment_m(a.lon0[p], a.lat0[p], b.lon0[s], b.lat0[s],
                                          b.lon1[s], b.lat1[s])
        i, j = i[~point], j[~point]
        A = (a.lon0[i], a.lat0[i], a.lon1[i], a.lat1[i])
        B = (b.lon0[j], b.lat0[j], b.lon1[j], b.lat1[j])
        part[~point] = np.minimum.reduce([
            _point_to_segment_m(A[0], A[1], *B), _point_to_segment_m(A[2], A[3], *B),
            _point_to_segment_m(B[0], B[1], *A), _point_to_segment_m(B[2], B[3], *A)])
        out[lo:lo + _CHUNK] = part / 1000.0
    return out


class _Geoms:
    """An array of lon/lat geometries with lazily built pieces and search trees."""

    def __init__(self, geoms):
        self.geoms = np.asarray(geoms, dtype=object)
        self.type_id = shapely.get_type_id(self.geoms)  # -1: missing
        self.valid = (self.type_id >= 0) & ~shapely.is_empty(self.geoms)
        self._tree: shapely.STRtree | None = None
        self._pieces: _Pieces | None = None
        self._piece_tree: shapely.STRtree | None = None
        self._dense: np.ndarray | None = None
        self._grid = None

    def __len__(self) -> int:
        return len(self.geoms)

    @property
    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    @property
    def pieces(self) -> _Pieces:
        if self._pieces is None:
            self._pieces = _pieces(self.geoms)
        return self._pieces

    @property
    def dense(self) -> np.ndarray:
        """Each geometry's densified vertices as a MultiPoint: points truly on it."""
        if self._dense is None and len(self.geoms) and (
                self.type_id == 0).all() and self.valid.all():
            self._dense = self.geoms  # a point is its only vertex
        if self._dense is None:
            p = self.pieces
            lon, lat = np.concatenate([p.lon0, p.lon1]), np.concatenate([p.lat0, p.lat1])
            owner = np.concatenate([p.owner, p.owner])
            order = np.argsort(owner, kind="stable")
            present, group = np.unique(owner[order], return_inverse=True)
            self._dense = np.full(len(self.geoms), None, dtype=object)
            if len(present):
                coords = np.column_stack([lon[order], lat[order]])
                self._dense[present] = shapely.multipoints(coords, indices=group)
        return self._dense

    @property
    def piece_tree(self) -> shapely.STRtree:
        if self._piece_tree is None:
            self._piece_tree = shapely.STRtree(self.pieces.boxes)
        return self._piece_tree

    @property
    def point_grid(self):
        """The pieces gridded for :mod:`geoatlas.pointjoin` (compiled point queries)."""
        if self._grid is None:
            from .pointjoin import FeatureGrid

            self._grid = FeatureGrid.build(self.pieces, len(self.geoms))
        return self._grid

    @property
    def all_points(self) -> bool:
        """Every valid geometry is a single point (the compiled engine's subjects)."""
        return bool(self.valid.any()) and bool((self.type_id[self.valid] == 0).all())


def _grow(boxes_of, km: np.ndarray) -> np.ndarray:
    """Lon/lat boxes grown by ``km``: sure to hold every point within ``km`` of the box.

    ``boxes_of`` is an array of geometries, or their ``(n, 4)`` bounds.
    """
    boxes_of = np.asarray(boxes_of)
    bounds = boxes_of if boxes_of.dtype != object else shapely.bounds(boxes_of)
    pad = np.asarray(km, dtype=float) + _SEARCH_MARGIN_KM
    dlat = pad / _KM_PER_DEG_LAT
    reach = np.minimum(np.maximum(np.abs(bounds[:, 1] - dlat), np.abs(bounds[:, 3] + dlat)), 89.9)
    dlon = np.minimum(pad / (_KM_PER_DEG_LON * np.cos(np.radians(reach))), 360.0)
    return shapely.box(bounds[:, 0] - dlon, bounds[:, 1] - dlat,
                       bounds[:, 2] + dlon, bounds[:, 3] + dlat)


def _within_km(a: _Geoms, rows: np.ndarray, radius: np.ndarray, b: _Geoms):
    """Every pair of subject ``a[i]`` (``i`` in ``rows``) and target ``b[j]``.

    Only pairs at most ``radius[i]`` km apart are returned, with their geodesic distance,
    as ``(i, j, km)`` arrays.
    """
    empty = np.zeros(0, dtype=np.int64)
    if not len(rows) or not len(b) or not b.valid.any():
        return empty, empty, np.zeros(0)
    zi, zj = b.tree.query(a.geoms[rows], predicate="intersects")
    zi = rows[zi]
    mine = np.zeros(len(a), dtype=bool)
    mine[rows] = True
    sel = np.flatnonzero(mine[a.pieces.owner])
    # boxes against box envelopes: the tree's envelope test is the intersection test
    q, pb = b.piece_tree.query(_grow(a.pieces.bounds[sel], radius[a.pieces.owner[sel]]))
    pa = sel[q]
    # prune with spherical distances: per feature pair, only the pieces that may be the
    # nearest (and only pairs that may be within the radius) are measured on the ellipsoid
    rough = _sphere_km(a.pieces, pa, b.pieces, pb)
    pair = a.pieces.owner[pa] * len(b) + b.pieces.owner[pb]
    uniq, inv = np.unique(pair, return_inverse=True)
    low = np.full(len(uniq), np.inf)
    np.minimum.at(low, inv, rough)
    slack, extra = _PRUNE
    near_enough = low <= radius[uniq // len(b)] * slack + extra
    keep = (rough <= low[inv] * slack + extra) & near_enough[inv]
    pa, pb = pa[keep], pb[keep]
    km = np.concatenate([np.zeros(len(zi)), _piece_km(a.pieces, pa, b.pieces, pb)])
    fi = np.concatenate([zi, a.pieces.owner[pa]])
    fj = np.concatenate([zj, b.pieces.owner[pb]])
    order = np.lexsort((km, fj, fi))
    fi, fj, km = fi[order], fj[order], km[order]
    first = np.ones(len(fi), dtype=bool)
    first[1:] = (fi[1:] != fi[:-1]) | (fj[1:] != fj[:-1])
    fi, fj, km = fi[first], fj[first], km[first]
    keep = km <= radius[fi]
    return fi[keep], fj[keep], km[keep]


def _upper_km(a: _Geoms, ia: np.ndarray, b: _Geoms, ib: np.ndarray) -> np.ndarray:
    """A distance in km that is surely not shorter than the geodesic one, per pair.

    It is the geodesic distance between two vertices, one of each densified geometry
    (the pair nearest in degrees): points truly on the geometries, unlike points on a
    long lon/lat chord, which can lie far off the geodesic the chord stands for.
    """
    line = shapely.shortest_line(a.dense[ia], b.dense[ib])
    xy = shapely.get_coordinates(line).reshape(-1, 2, 2)
    metres = GEOD.inv(xy[:, 0, 0], xy[:, 0, 1], xy[:, 1, 0], xy[:, 1, 1])[2]
    return np.asarray(metres) / 1000.0 + _SEARCH_MARGIN_KM


def _point_join(a: _Geoms, rows: np.ndarray, b: _Geoms, rank: np.ndarray, radius_km: float,
                k: int = 1, cap_km: float | None = None, wanted: int | None = None):
    """:mod:`geoatlas.pointjoin` for point subjects ``a[rows]``: ``(i, j, km, left)``.

    ``left`` are the rows it could not answer, for :func:`_within_km`.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .pointjoin import points_to_features

    with ThreadPoolExecutor(1) as helper:  # grid the counterparts while points are read
        grid = helper.submit(lambda: b.point_grid)
        pts = a.geoms if len(rows) == len(a) else a.geoms[rows]
        x, y = shapely.get_x(pts), shapely.get_y(pts)
        inside_start, inside = _inside_areas(pts, b)
        pos, f, km, retry = points_to_features(x, y, grid.result(), radius_km, k,
                                               inside_start, inside, rank, cap_km, wanted)
    hit = f >= 0
    i = np.broadcast_to(rows[pos][:, None], f.shape)[hit]
    return i, f[hit], km[hit], rows[pos[retry]]


def _inside_areas(pts: np.ndarray, b: _Geoms) -> tuple[np.ndarray, np.ndarray]:
    """The polygons of ``b`` each point lies in or on, by point (CSR: start, features)."""
    area = np.isin(b.type_id, (3, 6, 7))
    if not area.any():
        return np.zeros(len(pts) + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    i, j = b.tree.query(pts, predicate="intersects")
    keep = area[j]
    i, j = i[keep], j[keep]
    order = np.lexsort((j, i))
    return np.searchsorted(i[order], np.arange(len(pts) + 1)), j[order]


def pairwise_km(a, b) -> np.ndarray:
    """Geodesic distance in km between ``a[i]`` and ``b[i]`` (arrays of lon/lat geometries).

    Examples
    --------
    >>> import shapely
    >>> km = pairwise_km([shapely.Point(69.1772, 34.5553)], [shapely.Point(69.325, 34.265)])
    >>> round(float(km[0]), 2)
    34.95
    """
    ga, gb = _Geoms(a), _Geoms(b)
    if len(ga) != len(gb):
        raise QueryError(f"pairwise_km needs arrays of equal length, not {len(ga)} and {len(gb)}")
    out = np.full(len(ga), np.nan)
    ok = np.flatnonzero(ga.valid & gb.valid)
    radius = np.zeros(len(ga))
    radius[ok] = _upper_km(ga, ok, gb, ok)
    i, j, km = _within_km(ga, ok, radius, gb)
    mine = i == j
    out[i[mine]] = km[mine]
    return out


def distance_km(geom: BaseGeometry, other) -> np.ndarray:
    """Geodesic distance in km from one lon/lat geometry to each of ``other``.

    Examples
    --------
    >>> import shapely
    >>> line = shapely.LineString([(69.0, 34.0), (69.0, 35.0)])
    >>> round(float(distance_km(shapely.Point(69.1, 34.5), [line])[0]), 2)
    9.18
    """
    a, b = _Geoms([geom]), _Geoms(other)
    out = np.full(len(b), np.nan)
    ok = np.flatnonzero(b.valid)
    if not a.valid[0] or not len(ok):
        return out
    radius = _upper_km(a, np.zeros(len(ok), dtype=np.int64), b, ok).max(keepdims=True)
    _, j, km = _within_km(a, np.zeros(1, dtype=np.int64), radius, b)
    out[j] = km
    return out


# -- resolving names and filters ---------------------------------------------------------
def _fields(gdf: pd.DataFrame) -> list[str]:
    geom = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    return [str(c) for c in gdf.columns if c != geom]


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

    vocab = where_language.vocabulary(layer) if layer else None
    return where_language.select(gdf, where, what, vocab=vocab, values=values)


def _split_spec(spec: str) -> tuple[str, str | None]:
    layer, sep, ident = spec.partition(":")
    return layer.strip(), (ident.strip() if sep else None)


def _require_atlas(atlas: Atlas | None, spec: str) -> Atlas:
    if atlas is None:
        raise QueryError(f"'{spec}' names a layer: pass atlas= or a GeoDataFrame")
    return atlas


def layer_frame(spec, atlas: Atlas | None = None, role: str = "layer") -> gpd.GeoDataFrame:
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
    name, ident = _split_spec(spec)
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


def area_frame(spec, atlas: Atlas | None = None) -> gpd.GeoDataFrame:
    """Resolve an area to a GeoDataFrame of polygons.

    ``spec`` is a GeoDataFrame or GeoSeries, a shapely geometry, a polygon layer name
    (``"belts"``), a feature (``"countries:AFG"``), or a bare id or name looked up in
    every polygon layer of ``atlas`` (``"central-belt"``, ``"AFG"``, ``"Afghanistan"``).
    """
    if isinstance(spec, BaseGeometry):
        return gpd.GeoDataFrame({"id": ["area"]}, geometry=[spec], index=["area"], crs=4326)
    if not isinstance(spec, str):
        return _in_4326(layer_frame(spec, atlas, "area"))
    atlas = _require_atlas(atlas, spec)
    name, ident = _split_spec(spec)
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


def _prepared(layer, atlas, where, role, label="where") -> gpd.GeoDataFrame:
    gdf = layer_frame(layer, atlas, role)
    name = _split_spec(layer)[0] if isinstance(layer, str) else None
    return _in_4326(apply_where(gdf, where, label, layer=name))


def _in_4326(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf


def _id_rank(index: pd.Index) -> np.ndarray:
    """Position of each id in sorted order: the tie-break between equal distances."""
    order = np.argsort(np.asarray(index.astype(str)), kind="stable")
    rank = np.empty(len(index), dtype=np.int64)
    rank[order] = np.arange(len(index))
    return rank


def _by_distance_then_id(km: np.ndarray, index: pd.Index, rows: np.ndarray) -> np.ndarray:
    """The order of ``rows`` of ``index`` with distances ``km``: by distance, then id.

    Ids are compared only where distances tie (reading a million string ids is slow).
    """
    order = np.argsort(km, kind="stable")
    sorted_km = km[order]
    tied = np.zeros(len(km), dtype=bool)
    tied[1:] = sorted_km[1:] == sorted_km[:-1]
    tied[:-1] |= tied[1:]
    if tied.any():
        at = np.flatnonzero(tied)
        rank = np.empty(len(km), dtype=np.int64)
        rank[at] = _id_rank(index[rows[order[at]]])
        rank[~tied] = 0
        order = order[np.lexsort((rank, sorted_km))]
    return order


def _attach(gdf, rows, target, tpos, km, extra=None) -> gpd.GeoDataFrame:
    out = gdf.iloc[rows]  # a new frame: setting columns below leaves gdf alone
    if extra:
        for col, values in extra.items():
            out[col] = values
    out["nearest_id"] = np.asarray(target.index)[tpos] if len(tpos) else []
    if "name" in target:
        out["nearest_name"] = target["name"].to_numpy()[tpos] if len(tpos) else []
    out["distance_km"] = km
    return out


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
    atlas: Atlas | None = None,
    engine: str = "memory",
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
        Filter (:mod:`geoatlas.where`) selecting the counterparts (``"status == 'operating'"``).
    filter : str, optional
        Filter (:mod:`geoatlas.where`) selecting the features of ``gdf`` asked about.
    atlas : Atlas, optional
        Resolves layer names.
    engine : {"memory", "dask"}
        ``"dask"`` runs on a dask cluster (:func:`geoatlas.engines.dask.near`, whose
        ``client``, ``npartitions`` and ``out`` options it passes on); same result.

    Returns
    -------
    GeoDataFrame
        The matching rows of ``gdf`` with ``nearest_id`` (and ``nearest_name``) of the
        nearest counterpart and ``distance_km`` to it, sorted by distance then id. Ties
        go to the counterpart whose id sorts first.
    """
    other = _other_engine(engine, engine_options)
    if other is not None:
        return other.near(gdf, to, km, where, filter, atlas, **engine_options)
    if km is None or not np.isfinite(km) or km < 0:
        raise QueryError(f"km must be a distance >= 0, not {km!r}")
    subject = _prepared(gdf, atlas, filter, "layer", "filter")
    target = _prepared(to, atlas, where, "counterpart")
    a, b = _Geoms(subject.geometry.to_numpy()), _Geoms(target.geometry.to_numpy())
    rows, radius, rank = np.flatnonzero(a.valid), np.full(len(a), float(km)), _id_rank(target.index)
    empty = np.zeros(0, dtype=np.int64)
    found = [(empty, empty, np.zeros(0))]
    if a.all_points and b.valid.any():  # compiled: the nearest one per point
        ia, ib, d, rows = _point_join(a, rows, b, rank, float(km))
        found.append((ia, ib, d))
    if len(rows):  # other geometries, and points left over: every pair, then the nearest
        ia, ib, d = _within_km(a, rows, radius, b)
        order = np.lexsort((rank[ib], d, ia))
        ia, ib, d = ia[order], ib[order], d[order]
        first = np.ones(len(ia), dtype=bool)
        first[1:] = ia[1:] != ia[:-1]
        found.append((ia[first], ib[first], d[first]))
    ia, ib, d = (np.concatenate(part) for part in zip(*found))
    order = _by_distance_then_id(d, subject.index, ia)
    return _attach(subject, ia[order], target, ib[order], d[order])


def nearest(
    gdf,
    to,
    k: int = 1,
    max_km: float | None = None,
    where: str | None = None,
    filter: str | None = None,
    atlas: Atlas | None = None,
    engine: str = "memory",
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
        Filter (:mod:`geoatlas.where`) selecting the counterparts (``"kind == 'border_crossing'"``).
    filter : str, optional
        Filter (:mod:`geoatlas.where`) selecting the features of ``gdf``.
    atlas : Atlas, optional
        Resolves layer names.
    engine : {"memory", "dask"}
        ``"dask"`` runs on a dask cluster (:func:`geoatlas.engines.dask.nearest`); same
        result.

    Returns
    -------
    GeoDataFrame
        One row per (feature, counterpart): the feature's columns plus ``rank``
        (1 = nearest), ``nearest_id``, ``nearest_name`` and ``distance_km``, in the
        order of ``gdf`` then rank. Equal distances are ranked by counterpart id.
    """
    other = _other_engine(engine, engine_options)
    if other is not None:
        return other.nearest(gdf, to, k, max_km, where, filter, atlas, **engine_options)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise QueryError(f"k must be a whole number >= 1, not {k!r}")
    if max_km is not None and (not np.isfinite(max_km) or max_km < 0):
        raise QueryError(f"max_km must be a distance >= 0, not {max_km!r}")
    subject = _prepared(gdf, atlas, filter, "layer", "filter")
    target = _prepared(to, atlas, where, "counterpart")
    a, b = _Geoms(subject.geometry.to_numpy()), _Geoms(target.geometry.to_numpy())
    cap = _HALF_EARTH_KM if max_km is None else float(max_km)
    found: tuple[list, list, list] = ([], [], [])
    rows = np.flatnonzero(a.valid)
    by_id = _id_rank(target.index)
    wanted = min(k, int(b.valid.sum()))
    if len(rows) and wanted and a.all_points:
        radius0 = min(b.point_grid.cell_km, cap)
        ia, ib, d, rows = _point_join(a, rows, b, by_id, radius0, k, cap, wanted)
        for acc, part in zip(found, (ia, ib, d)):
            acc.append(part)
    if len(rows) and wanted:
        # start from the counterpart nearest in degrees: its geodesic distance bounds the
        # nearest one; widen (doubling) until k counterparts lie within the radius
        q, ib0 = b.tree.query_nearest(a.geoms[rows], all_matches=False)
        radius = np.full(len(a), cap)
        radius[rows[q]] = np.minimum(_upper_km(a, rows[q], b, ib0), cap)
        while len(rows):
            ia, ib, d = _within_km(a, rows, radius, b)
            counts = np.bincount(ia, minlength=len(a))[rows]
            done = (counts >= wanted) | (radius[rows] >= cap)
            take = np.isin(ia, rows[done])
            for acc, part in zip(found, (ia[take], ib[take], d[take])):
                acc.append(part)
            rows = rows[~done]
            radius[rows] = np.minimum(radius[rows] * 2.0, cap)
    ia, ib, d = (np.concatenate(p) if p else np.zeros(0, dtype=t)
                 for p, t in zip(found, (np.int64, np.int64, float)))
    order = np.lexsort((by_id[ib], d, ia))
    ia, ib, d = ia[order], ib[order], d[order]
    rank = np.zeros(len(ia), dtype=np.int64)
    if len(ia):
        start = np.r_[0, np.flatnonzero(ia[1:] != ia[:-1]) + 1]
        rank = np.arange(len(ia)) - np.repeat(start, np.diff(np.r_[start, len(ia)])) + 1
    keep = rank <= k
    return _attach(subject, ia[keep], target, ib[keep], d[keep], {"rank": rank[keep]})


def _areas_for(subject: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, predicate: str):
    tree = shapely.STRtree(areas.geometry.to_numpy())
    i, j = tree.query(subject.geometry.to_numpy(), predicate=predicate)
    order = np.lexsort((j, i))
    return i[order], j[order]


def _with_area_ids(subject, areas, i, j) -> gpd.GeoDataFrame:
    ids = np.asarray(areas.index.astype(str))
    rows = np.unique(i)
    joined = pd.Series(ids[j]).groupby(i).agg(";".join)
    out = subject.iloc[rows].copy()
    out["area_ids"] = joined.reindex(rows).to_numpy()
    return out


def within(gdf, area, where: str | None = None, atlas: Atlas | None = None) -> gpd.GeoDataFrame:
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
    return _with_area_ids(subject, areas, *_areas_for(subject, areas, "within"))


def intersects(gdf, area, where: str | None = None, atlas: Atlas | None = None) -> gpd.GeoDataFrame:
    """Features of ``gdf`` touching or crossing ``area`` (e.g. rail inside Afghanistan).

    Same parameters and result as :func:`within`, with the ``intersects`` predicate: a
    line that leaves the area still counts.
    """
    subject = _prepared(gdf, atlas, where, "layer")
    areas = area_frame(area, atlas)
    return _with_area_ids(subject, areas, *_areas_for(subject, areas, "intersects"))


_AGGREGATES = ("count", "sum", "mean", "min", "max", "list")


def _parse_stats(stats, fields: list[str]) -> list[tuple[str, str | None, str]]:
    """``["count", "sum:value", "list:name"]`` -> ``[(func, column, output column)]``."""
    if stats is None:
        stats = ["count"] + [s for s, c in (("sum:contract_value_usd", "contract_value_usd"),
                                            ("list:name", "name")) if c in fields]
    if isinstance(stats, str):
        stats = [s for s in re.split(r"[,\s]+", stats) if s]
    out = []
    for spec in stats:
        func, sep, col = str(spec).partition(":")
        func, col = func.strip(), col.strip()
        if func not in _AGGREGATES:
            raise QueryError(f"unknown statistic '{spec}'; use count, or one of "
                             f"{', '.join(a + ':FIELD' for a in _AGGREGATES[1:])}")
        if func == "count":
            out.append(("count", None, "count"))
            continue
        if not sep or col not in fields:
            shown = col or "(none)"
            raise QueryError(f"statistic '{spec}' needs a field: unknown field '{shown}'"
                             f"{did_you_mean(col, fields)}; fields: {', '.join(fields)}")
        out.append((func, col, f"{func}_{col}"))
    return out


def summarize(
    gdf,
    by,
    stats: Sequence[str] | str | None = None,
    where: str | None = None,
    atlas: Atlas | None = None,
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
    spec = _parse_stats(stats, _fields(subject))
    geoms = subject.geometry.to_numpy()
    i, j = _areas_for(subject, areas, "intersects")
    point = np.isin(shapely.get_type_id(geoms), [0, 4])
    first = np.ones(len(i), dtype=bool)
    first[1:] = i[1:] != i[:-1]
    keep = ~point[i] | first
    i, j = i[keep], j[keep]
    missing = np.setdiff1d(np.flatnonzero(point & ~shapely.is_empty(geoms)), i)
    if len(missing):
        close = nearest(subject.iloc[missing], areas, k=1, max_km=AREA_TOLERANCE_KM)
        pos = subject.index.get_indexer(close.index)
        i = np.concatenate([i, pos])
        j = np.concatenate([j, areas.index.get_indexer(close["nearest_id"])])
    members = subject.iloc[i].reset_index(drop=True)
    members["_area"] = j
    grouped = members.groupby("_area", sort=True)
    out = areas.copy()
    for func, col, name in spec:
        if func == "count":
            values = grouped.size().reindex(range(len(areas)), fill_value=0).astype(int)
        elif func == "list":
            values = grouped[col].agg(_joined).reindex(range(len(areas)), fill_value="")
        else:
            num = pd.to_numeric(members[col], errors="coerce").groupby(members["_area"])
            agg = num.sum(min_count=1) if func == "sum" else getattr(num, func)()
            values = agg.reindex(range(len(areas)))
        out[name] = values.to_numpy()
    return out


def _joined(values: pd.Series) -> str:
    items = {str(v).strip() for v in values if pd.notna(v) and str(v).strip()}
    return ";".join(sorted(items))
