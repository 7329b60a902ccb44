"""The geodesic engine under every spatial query: pieces, search boxes, exact distances.

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

Point subjects go through :mod:`geoatlas.pointjoin` (the same steps compiled). The
verbs over frames are in :mod:`geoatlas.engines.memory`; :mod:`geoatlas.query` resolves
names and filters and picks the engine.

Examples
--------
>>> import shapely
>>> kabul, aynak = shapely.Point(69.1772, 34.5553), shapely.Point(69.3250, 34.2650)
>>> distance_km(kabul, [aynak]).round(1)
array([35.])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .errors import QueryError
from .geometry import EARTH_KM, GEOD, KM_PER_DEG_LAT, KM_PER_DEG_LON, SEARCH_MARGIN_KM

__all__ = [
    "DENSIFY_KM",
    "HALF_EARTH_KM",
    "Geoms",
    "Pieces",
    "distance_km",
    "distance_to_km",
    "inside_areas",
    "pairwise_km",
    "point_join",
    "upper_km",
    "within_km",
]

DENSIFY_KM = 10.0
"""Longest segment kept when lines and rings are densified along geodesics. A 10 km
chord strays from its geodesic by metres, far inside the 0.5 % the queries promise."""

HALF_EARTH_KM = 20_040.0
"""No two points on the ellipsoid are farther apart (km): the radius of "anywhere"."""
_CHUNK = 1_000_000  # piece pairs measured per numpy batch (bounds memory)
_PRUNE = (1.02, 0.5)  # sphere vs ellipsoid differ < 0.6 %: keep pairs within 2 % + 0.5 km


# -- geodesic engine ---------------------------------------------------------------------
@dataclass(frozen=True)
class Pieces:
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
        """Both ends as points on a sphere of radius :data:`EARTH_KM` (for pruning)."""
        return _unit(self.lon0, self.lat0) * EARTH_KM, _unit(self.lon1, self.lat1) * EARTH_KM

    @property
    def bounds(self) -> np.ndarray:
        """``(n, 4)`` lon/lat bounds of every piece (no geometry made)."""
        return np.column_stack([np.minimum(self.lon0, self.lon1), np.minimum(self.lat0, self.lat1),
                                np.maximum(self.lon0, self.lon1), np.maximum(self.lat0, self.lat1)])

    @property
    def boxes(self) -> np.ndarray:
        """Every piece's lon/lat box as a shapely polygon."""
        return shapely.box(*self.bounds.T)


def _unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _arc_km(chord_km: np.ndarray) -> np.ndarray:
    """The great-circle km a chord (km) of the pruning sphere cuts off."""
    return 2.0 * EARTH_KM * np.arcsin(np.minimum(chord_km / (2.0 * EARTH_KM), 1.0))


def _sphere_point_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between lon/lat points ``a[i]`` and ``b[i]`` (``(n, 2)`` arrays)."""
    chord = np.linalg.norm(_unit(a[:, 0], a[:, 1]) - _unit(b[:, 0], b[:, 1]), axis=1)
    return _arc_km(chord * EARTH_KM)


def _chord_to_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    len2 = np.einsum("ij,ij->i", ab, ab)
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
    return np.linalg.norm(a + t[:, None] * ab - p, axis=1)


def _sphere_km(a: Pieces, pa: np.ndarray, b: Pieces, pb: np.ndarray) -> np.ndarray:
    """Spherical distance between pieces: within 0.6 % of the geodesic, and cheap."""
    (a0, a1), (b0, b1) = a.xyz, b.xyz
    a0, a1, b0, b1 = a0[pa], a1[pa], b0[pb], b1[pb]
    chord = np.minimum.reduce([_chord_to_segment(a0, b0, b1), _chord_to_segment(a1, b0, b1),
                               _chord_to_segment(b0, a0, a1), _chord_to_segment(b1, a0, a1)])
    return _arc_km(chord)


def _pieces(geoms: np.ndarray, step_km: float = DENSIFY_KM) -> Pieces:
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
    return Pieces(
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


def _piece_km(a: Pieces, pa: np.ndarray, b: Pieces, pb: np.ndarray) -> np.ndarray:
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


class Geoms:
    """An array of lon/lat geometries with lazily built pieces and search trees."""

    def __init__(self, geoms):
        self.geoms = np.asarray(geoms, dtype=object)
        self.type_id = shapely.get_type_id(self.geoms)  # -1: missing
        self.valid = (self.type_id >= 0) & ~shapely.is_empty(self.geoms)
        self._tree: shapely.STRtree | None = None
        self._pieces: Pieces | None = None
        self._piece_tree: shapely.STRtree | None = None
        self._dense: np.ndarray | None = None
        self._grid = None

    def __len__(self) -> int:
        return len(self.geoms)

    @property
    def tree(self) -> shapely.STRtree:
        """An STRtree over the geometries (built once)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    @property
    def pieces(self) -> Pieces:
        """The geometries cut into geodesic pieces (built once)."""
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
        """An STRtree over the pieces' boxes (built once)."""
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
    pad = np.asarray(km, dtype=float) + SEARCH_MARGIN_KM
    dlat = pad / KM_PER_DEG_LAT
    reach = np.minimum(np.maximum(np.abs(bounds[:, 1] - dlat), np.abs(bounds[:, 3] + dlat)), 89.9)
    dlon = np.minimum(pad / (KM_PER_DEG_LON * np.cos(np.radians(reach))), 360.0)
    return shapely.box(bounds[:, 0] - dlon, bounds[:, 1] - dlat,
                       bounds[:, 2] + dlon, bounds[:, 3] + dlat)


def within_km(a: Geoms, rows: np.ndarray, radius: np.ndarray, b: Geoms):
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


def upper_km(a: Geoms, ia: np.ndarray, b: Geoms, ib: np.ndarray) -> np.ndarray:
    """A distance in km that is surely not shorter than the geodesic one, per pair.

    It is the geodesic distance between two vertices, one of each densified geometry
    (the pair nearest in degrees): points truly on the geometries, unlike points on a
    long lon/lat chord, which can lie far off the geodesic the chord stands for.
    """
    line = shapely.shortest_line(a.dense[ia], b.dense[ib])
    xy = shapely.get_coordinates(line).reshape(-1, 2, 2)
    metres = GEOD.inv(xy[:, 0, 0], xy[:, 0, 1], xy[:, 1, 0], xy[:, 1, 1])[2]
    return np.asarray(metres) / 1000.0 + SEARCH_MARGIN_KM


def point_join(a: Geoms, rows: np.ndarray, b: Geoms, rank: np.ndarray, radius_km: float,
                k: int = 1, cap_km: float | None = None, wanted: int | None = None):
    """:mod:`geoatlas.pointjoin` for point subjects ``a[rows]``: ``(i, j, km, left)``.

    ``left`` are the rows it could not answer, for :func:`within_km`.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .pointjoin import points_to_features

    with ThreadPoolExecutor(1) as helper:  # grid the counterparts while points are read
        grid = helper.submit(lambda: b.point_grid)
        pts = a.geoms if len(rows) == len(a) else a.geoms[rows]
        x, y = shapely.get_x(pts), shapely.get_y(pts)
        inside_start, inside = inside_areas(pts, b)
        pos, f, km, retry = points_to_features(x, y, grid.result(), radius_km, k,
                                               inside_start, inside, rank, cap_km, wanted)
    hit = f >= 0
    i = np.broadcast_to(rows[pos][:, None], f.shape)[hit]
    return i, f[hit], km[hit], rows[pos[retry]]


def inside_areas(pts: np.ndarray, b: Geoms) -> tuple[np.ndarray, np.ndarray]:
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
    ga, gb = Geoms(a), Geoms(b)
    if len(ga) != len(gb):
        raise QueryError(f"pairwise_km needs arrays of equal length, not {len(ga)} and {len(gb)}")
    out = np.full(len(ga), np.nan)
    ok = np.flatnonzero(ga.valid & gb.valid)
    radius = np.zeros(len(ga))
    radius[ok] = upper_km(ga, ok, gb, ok)
    i, j, km = within_km(ga, ok, radius, gb)
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
    a, b = Geoms([geom]), Geoms(other)
    out = np.full(len(b), np.nan)
    ok = np.flatnonzero(b.valid)
    if not a.valid[0] or not len(ok):
        return out
    radius = upper_km(a, np.zeros(len(ok), dtype=np.int64), b, ok).max(keepdims=True)
    _, j, km = within_km(a, np.zeros(1, dtype=np.int64), radius, b)
    out[j] = km
    return out


def distance_to_km(point: BaseGeometry, geom: BaseGeometry) -> float:
    """Geodesic km from one lon/lat geometry to another (0 if touching or inside).

    The exact engine of :func:`distance_km`, for one pair.

    >>> import shapely
    >>> round(distance_to_km(shapely.Point(69.1, 34.5),
    ...                      shapely.LineString([(69.0, 34.0), (69.0, 35.0)])), 2)
    9.18
    """
    return float(distance_km(point, [geom])[0])
