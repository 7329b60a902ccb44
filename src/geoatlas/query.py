"""Spatial queries over GeoDataFrames: near, nearest, within, intersects, summarize.

Every distance is in km and geodesic (WGS84 ellipsoid), never in degrees. The work is
done in two vectorised steps:

1. **Candidate search** with a :class:`shapely.STRtree` over the target geometries,
   queried with lon/lat boxes that are *guaranteed* to hold everything within the search
   distance (a degree of latitude is at least 110.5 km; a degree of longitude at least
   111.3 km x cos of the highest latitude the box reaches). No projection distortion
   can make the search miss a feature.
2. **Exact distance** for each candidate pair. Lines and polygon rings are densified
   along geodesics (every :data:`DENSIFY_KM`), so a segment between two vertices is read
   as the geodesic between them, as :func:`geoatlas.geometry.line_through` draws it.
   Each vertex of one geometry is then put at the centre of its own azimuthal
   equidistant frame (distance and azimuth from :data:`~geoatlas.geometry.GEOD`, so
   distances from the centre are exact) and its distance to every segment of the other
   geometry is measured there. Two geometries that intersect are 0 km apart.

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

import ast
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from .errors import QueryError
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
_CHUNK = 2_000_000  # vertex pairs evaluated per numpy batch (bounds memory)
_SEARCH_MARGIN_KM = 1.0


# -- geodesic engine ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Vertices:
    """Geodesically densified vertices of an array of geometries, geometry by geometry.

    ``seg[i]`` says vertex ``i`` and ``i + 1`` form a segment; the vertices of geometry
    ``g`` are ``start[g] : start[g] + count[g]``.
    """

    lon: np.ndarray
    lat: np.ndarray
    seg: np.ndarray
    start: np.ndarray
    count: np.ndarray


def _vertices(geoms: np.ndarray, step_km: float = DENSIFY_KM) -> _Vertices:
    geoms = np.asarray(geoms, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    is_poly = shapely.get_type_id(parts) == 3
    if is_poly.any():
        rings, ring_of = shapely.get_rings(parts[is_poly], return_index=True)
        parts = np.concatenate([parts[~is_poly], rings])
        owner = np.concatenate([owner[~is_poly], owner[is_poly][ring_of]])
        order = np.argsort(owner, kind="stable")
        parts, owner = parts[order], owner[order]
    coords, path = shapely.get_coordinates(parts, return_index=True)
    seg = np.zeros(len(coords), dtype=bool)
    seg[:-1] = path[1:] == path[:-1]
    first = np.flatnonzero(seg)
    n = np.ones(len(coords), dtype=np.int64)
    az = np.zeros(len(coords))
    dist = np.zeros(len(coords))
    if len(first):
        a, b = coords[first], coords[first + 1]
        az[first], _, dist[first] = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
        n[first] = np.maximum(1, np.ceil(dist[first] / (step_km * 1000.0))).astype(np.int64)
    rep = np.repeat(np.arange(len(coords)), n)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    lon, lat = coords[rep, 0].copy(), coords[rep, 1].copy()
    mid = np.flatnonzero(k > 0)
    if len(mid):
        src = rep[mid]
        lon[mid], lat[mid], _ = GEOD.fwd(lon[mid], lat[mid], az[src], dist[src] * k[mid] / n[src])
    owner_of_vertex = owner[path[rep]] if len(rep) else np.zeros(0, dtype=np.int64)
    count = np.bincount(owner_of_vertex, minlength=len(geoms)).astype(np.int64)
    return _Vertices(lon, lat, seg[rep], np.cumsum(count) - count, count)


def _vertex_to_geom_km(x: _Vertices, xi: np.ndarray, y: _Vertices, yj: np.ndarray) -> np.ndarray:
    """Per pair ``(xi[p], yj[p])``: min over the vertices of x of the distance to geometry y."""
    out = np.full(len(xi), np.inf)
    nx, ny = x.count[xi], y.count[yj]
    ok = np.flatnonzero((nx > 0) & (ny > 0))
    if not len(ok):
        return out
    # one "row" per (pair, vertex of x); a row spans all vertices of y
    row_pair = np.repeat(ok, nx[ok])
    row_xv = x.start[xi[row_pair]] + (
        np.arange(len(row_pair)) - np.repeat(np.cumsum(nx[ok]) - nx[ok], nx[ok])
    )
    row_len = ny[row_pair]
    row_min = np.empty(len(row_pair))
    ends = np.cumsum(row_len)
    lo = 0
    while lo < len(row_pair):
        base = ends[lo - 1] if lo else 0
        hi = max(lo + 1, int(np.searchsorted(ends, base + _CHUNK, side="right")))
        lens = row_len[lo:hi]
        offs = np.cumsum(lens) - lens
        row = np.repeat(np.arange(hi - lo), lens)
        local = np.arange(len(row)) - offs[row]
        xv = row_xv[lo:hi][row]
        yv = y.start[yj[row_pair[lo:hi]]][row] + local
        az, _, d = GEOD.inv(x.lon[xv], x.lat[xv], y.lon[yv], y.lat[yv])
        best = np.asarray(d, dtype=float).copy()
        e = np.flatnonzero(y.seg[yv])
        if len(e):
            rad = np.radians(az)
            px, py = d * np.sin(rad), d * np.cos(rad)
            ax, ay, bx, by = px[e], py[e], px[e + 1], py[e + 1]
            dx, dy = bx - ax, by - ay
            len2 = dx * dx + dy * dy
            t = np.clip(-(ax * dx + ay * dy) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
            best[e] = np.minimum(best[e], np.hypot(ax + t * dx, ay + t * dy))
        row_min[lo:hi] = np.minimum.reduceat(best, offs)
        lo = hi
    pair_start = np.cumsum(nx[ok]) - nx[ok]
    out[ok] = np.minimum.reduceat(row_min, pair_start) / 1000.0
    return out


class _Geoms:
    """An array of lon/lat geometries with lazily built search tree and vertices."""

    def __init__(self, geoms):
        self.geoms = np.asarray(geoms, dtype=object)
        self._tree: shapely.STRtree | None = None
        self._vertices: _Vertices | None = None

    def __len__(self) -> int:
        return len(self.geoms)

    @property
    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    @property
    def vertices(self) -> _Vertices:
        if self._vertices is None:
            self._vertices = _vertices(self.geoms)
        return self._vertices


def _pairs_km(a: _Geoms, ia: np.ndarray, b: _Geoms, ib: np.ndarray) -> np.ndarray:
    if not len(ia):
        return np.zeros(0)
    km = np.minimum(
        _vertex_to_geom_km(a.vertices, ia, b.vertices, ib),
        _vertex_to_geom_km(b.vertices, ib, a.vertices, ia),
    )
    km[shapely.intersects(a.geoms[ia], b.geoms[ib])] = 0.0
    km[~np.isfinite(km)] = np.nan
    return km


def _search(a: _Geoms, rows: np.ndarray, km: np.ndarray, b: _Geoms) -> tuple[np.ndarray, ...]:
    """Candidate pairs: every feature of ``b`` that may lie within ``km`` of ``a[rows]``."""
    if not len(rows) or not len(b):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bounds = shapely.bounds(a.geoms[rows])
    pad = np.asarray(km, dtype=float) + _SEARCH_MARGIN_KM
    dlat = pad / _KM_PER_DEG_LAT
    reach = np.minimum(np.maximum(np.abs(bounds[:, 1] - dlat), np.abs(bounds[:, 3] + dlat)), 89.9)
    dlon = np.minimum(pad / (_KM_PER_DEG_LON * np.cos(np.radians(reach))), 360.0)
    boxes = shapely.box(bounds[:, 0] - dlon, bounds[:, 1] - dlat,
                        bounds[:, 2] + dlon, bounds[:, 3] + dlat)
    valid = ~np.isnan(bounds).any(axis=1)
    q, ib = b.tree.query(boxes[valid], predicate="intersects")
    return rows[valid][q], ib


def pairwise_km(a, b) -> np.ndarray:
    """Geodesic distance in km between ``a[i]`` and ``b[i]`` (arrays of lon/lat geometries).

    Examples
    --------
    >>> import shapely
    >>> km = pairwise_km([shapely.Point(69.1772, 34.5553)], [shapely.Point(69.325, 34.265)])
    >>> round(float(km[0]), 2)
    34.95
    """
    a, b = _Geoms(a), _Geoms(b)
    if len(a) != len(b):
        raise QueryError(f"pairwise_km needs arrays of equal length, not {len(a)} and {len(b)}")
    idx = np.arange(len(a))
    return _pairs_km(a, idx, b, idx)


def distance_km(geom: BaseGeometry, other) -> np.ndarray:
    """Geodesic distance in km from one lon/lat geometry to each of ``other``.

    Examples
    --------
    >>> import shapely
    >>> line = shapely.LineString([(69.0, 34.0), (69.0, 35.0)])
    >>> round(float(distance_km(shapely.Point(69.1, 34.5), [line])[0]), 2)
    9.18
    """
    b = _Geoms(other)
    return _pairs_km(_Geoms([geom]), np.zeros(len(b), dtype=np.int64), b, np.arange(len(b)))


# -- resolving names and filters ---------------------------------------------------------
def _fields(gdf: pd.DataFrame) -> list[str]:
    geom = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    return [str(c) for c in gdf.columns if c != geom]


def _did_you_mean(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _listing(values: Sequence[str], limit: int = 80) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")


def apply_where(gdf: pd.DataFrame, where: str | None, what: str = "where") -> pd.DataFrame:
    """Rows of ``gdf`` matching the pandas query string ``where`` (``None``: all rows).

    Raises :class:`~geoatlas.errors.QueryError` pointing at the column where the
    expression does not parse, or naming the unknown fields and listing the valid ones.

    Examples
    --------
    >>> df = pd.DataFrame({"status": ["operating", "proposed"]}, index=["a", "b"])
    >>> list(apply_where(df, "status == 'operating'").index)
    ['a']
    >>> apply_where(df, "status == ")
    Traceback (most recent call last):
    ...
    geoatlas.errors.QueryError: where expression does not parse at column 10 (invalid syntax):
      status ==
               ^
    """
    if where is None or not str(where).strip():
        return gdf
    expr = str(where)
    lead = len(expr) - len(expr.lstrip())
    masked = re.sub(r"`[^`]*`", lambda m: "_" * len(m.group()), expr.strip())
    fields = _fields(gdf)
    try:
        tree = ast.parse(masked, mode="eval")
    except SyntaxError as exc:
        col = lead + (exc.offset if exc.offset else len(masked) + 1)
        shown = expr.rstrip()
        raise QueryError(
            f"{what} expression does not parse at column {col} ({exc.msg}):\n"
            f"  {shown}\n  {' ' * (col - 1)}^"
        ) from None
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}
    unknown = sorted(names - set(fields) - {"index"})
    if unknown:
        hint = _did_you_mean(unknown[0], fields)
        raise QueryError(
            f"{what} expression {expr!r} names unknown field(s) {', '.join(unknown)}{hint} "
            f"(quote text values: status == 'operating'); fields: {', '.join(fields)}"
        )
    try:
        return gdf.query(expr, engine="python")
    except Exception as exc:  # pandas raises many types; all mean the same to the caller
        raise QueryError(
            f"{what} expression {expr!r} failed: {type(exc).__name__}: {exc}"
        ) from None


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
            f"unknown {role} layer '{name}'{_did_you_mean(name, atlas.layers)}; "
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
        f"unknown {layer} id '{ident}'{_did_you_mean(ident, ids)}; "
        f"{layer} ids: {_listing(sorted(ids))}"
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
        return layer_frame(spec, atlas, "area")
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
        f"unknown area '{spec}'{_did_you_mean(spec, every)}: not a layer, nor an id or name in "
        + "; ".join(f"{layer} ({_listing(ids, 40)})" for layer, ids in known.items())
    )


def _prepared(layer, atlas, where, role) -> gpd.GeoDataFrame:
    gdf = layer_frame(layer, atlas, role)
    gdf = apply_where(gdf, where, "where" if role != "layer" else "filter")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return gdf


def _id_rank(index: pd.Index) -> np.ndarray:
    """Position of each id in sorted order: the tie-break between equal distances."""
    order = np.argsort(np.asarray(index.astype(str)), kind="stable")
    rank = np.empty(len(index), dtype=np.int64)
    rank[order] = np.arange(len(index))
    return rank


def _attach(gdf, rows, target, tpos, km, extra=None) -> gpd.GeoDataFrame:
    out = gdf.iloc[rows].copy()
    if extra:
        for col, values in extra.items():
            out[col] = values
    out["nearest_id"] = np.asarray(target.index)[tpos] if len(tpos) else []
    if "name" in target:
        out["nearest_name"] = target["name"].to_numpy()[tpos] if len(tpos) else []
    out["distance_km"] = km
    return out


# -- public queries ----------------------------------------------------------------------
def near(
    gdf,
    to,
    km: float,
    where: str | None = None,
    filter: str | None = None,
    atlas: Atlas | None = None,
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
        pandas query string selecting the counterparts (``"status == 'operating'"``).
    filter : str, optional
        pandas query string selecting the features of ``gdf`` asked about.
    atlas : Atlas, optional
        Resolves layer names.

    Returns
    -------
    GeoDataFrame
        The matching rows of ``gdf`` with ``nearest_id`` (and ``nearest_name``) of the
        nearest counterpart and ``distance_km`` to it, sorted by distance then id. Ties
        go to the counterpart whose id sorts first.
    """
    if km is None or not np.isfinite(km) or km < 0:
        raise QueryError(f"km must be a distance >= 0, not {km!r}")
    subject = _prepared(gdf, atlas, filter, "layer")
    target = _prepared(to, atlas, where, "to")
    a, b = _Geoms(subject.geometry.to_numpy()), _Geoms(target.geometry.to_numpy())
    rows = np.arange(len(a))
    ia, ib = _search(a, rows, np.full(len(rows), float(km)), b)
    d = _pairs_km(a, ia, b, ib)
    keep = d <= km
    ia, ib, d = ia[keep], ib[keep], d[keep]
    order = np.lexsort((_id_rank(target.index)[ib], d, ia))
    ia, ib, d = ia[order], ib[order], d[order]
    first = np.ones(len(ia), dtype=bool)
    first[1:] = ia[1:] != ia[:-1]
    out = _attach(subject, ia[first], target, ib[first], d[first])
    rank = _id_rank(out.index)
    return out.iloc[np.lexsort((rank, out["distance_km"].to_numpy()))]


def nearest(
    gdf,
    to,
    k: int = 1,
    max_km: float | None = None,
    where: str | None = None,
    filter: str | None = None,
    atlas: Atlas | None = None,
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
        pandas query string selecting the counterparts (``"kind == 'border_crossing'"``).
    filter : str, optional
        pandas query string selecting the features of ``gdf``.
    atlas : Atlas, optional
        Resolves layer names.

    Returns
    -------
    GeoDataFrame
        One row per (feature, counterpart): the feature's columns plus ``rank``
        (1 = nearest), ``nearest_id``, ``nearest_name`` and ``distance_km``, in the
        order of ``gdf`` then rank. Equal distances are ranked by counterpart id.
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise QueryError(f"k must be a whole number >= 1, not {k!r}")
    if max_km is not None and (not np.isfinite(max_km) or max_km < 0):
        raise QueryError(f"max_km must be a distance >= 0, not {max_km!r}")
    subject = _prepared(gdf, atlas, filter, "layer")
    target = _prepared(to, atlas, where, "to")
    a, b = _Geoms(subject.geometry.to_numpy()), _Geoms(target.geometry.to_numpy())
    cap = _HALF_EARTH_KM if max_km is None else float(max_km)
    found = ([], [], [])
    valid = ~(shapely.is_missing(a.geoms) | shapely.is_empty(a.geoms))
    rows = np.flatnonzero(valid)
    if len(rows) and len(b):
        # a first, always sufficient radius for k = 1: the distance to the feature that is
        # nearest in degrees (an upper bound of the geodesic nearest distance)
        q, ib0 = b.tree.query_nearest(a.geoms[rows], all_matches=False)
        radius = np.full(len(a), np.nan)
        radius[rows[q]] = _pairs_km(a, rows[q], b, ib0)
        rows = rows[np.isfinite(radius[rows])]
        radius = np.minimum(np.maximum(radius, 1e-3), cap)
        while len(rows):
            ia, ib = _search(a, rows, radius[rows], b)
            d = _pairs_km(a, ia, b, ib)
            keep = d <= radius[ia]
            counts = np.bincount(ia[keep], minlength=len(a))[rows]
            seen = np.bincount(ia, minlength=len(a))[rows]
            every = np.zeros(len(a), dtype=bool)
            every[rows] = seen >= len(b)  # every counterpart measured: no need to widen
            done = (counts >= k) | (radius[rows] >= cap) | every[rows]
            reach = np.where(every[ia], cap, radius[ia])
            take = (d <= reach) & np.isin(ia, rows[done])
            for acc, part in zip(found, (ia[take], ib[take], d[take])):
                acc.append(part)
            rows = rows[~done]
            radius[rows] = np.minimum(radius[rows] * 2.0, cap)
    ia, ib, d = (np.concatenate(p) if p else np.zeros(0, dtype=t)
                 for p, t in zip(found, (np.int64, np.int64, float)))
    order = np.lexsort((_id_rank(target.index)[ib] if len(ib) else ib, d, ia))
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
        pandas query string selecting features of ``gdf`` first.
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
                             f"{_did_you_mean(col, fields)}; fields: {', '.join(fields)}")
        out.append((func, col, f"{func}_{col}"))
    return out


def summarize(
    gdf,
    by,
    stats: Sequence[str] | str | None = None,
    where: str | None = None,
    atlas: Atlas | None = None,
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
        pandas query string selecting features of ``gdf`` first.
    atlas : Atlas, optional
        Resolves layer names.

    Returns
    -------
    GeoDataFrame
        Every area of ``by`` (geometry and attributes) plus one column per statistic:
        ``count`` (0 where empty), ``sum_<field>`` etc. (NaN where no value is known),
        ``list_<field>`` (sorted unique values joined by ``;``).
    """
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
