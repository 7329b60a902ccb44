"""The in-memory query engine: the verbs of :mod:`geoatlas.query` over resolved frames.

Every function here takes GeoDataFrames already resolved, filtered and in EPSG:4326
(see :mod:`geoatlas.resolve`) and answers with the geodesic engine of
:mod:`geoatlas.geodesic`. The dask engine runs these same functions partition by
partition, so both engines give the same answers.

Examples
--------
>>> import geopandas as gpd, shapely
>>> line = gpd.GeoDataFrame(geometry=[shapely.LineString([(69.0, 34.0), (69.0, 35.0)])],
...                         index=["rail"], crs=4326)
>>> pit = gpd.GeoDataFrame(geometry=[shapely.Point(69.1, 34.5)], index=["pit"], crs=4326)
>>> nearest(pit, line)[["nearest_id", "distance_km"]].round(2).values.tolist()
[['rail', 9.18]]
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import QueryError, did_you_mean
from ..geodesic import HALF_EARTH_KM, Geoms, point_join, upper_km, within_km

__all__ = [
    "AREA_TOLERANCE_KM",
    "fields",
    "id_rank",
    "intersects",
    "near",
    "nearest",
    "parse_stats",
    "summarize",
    "within",
]

AREA_TOLERANCE_KM = 5.0
"""How far outside every area a point may lie and still be counted in the nearest one by
:func:`summarize` (the loader's border tolerance: 1:10m boundaries are coarse)."""


def fields(gdf: pd.DataFrame) -> list[str]:
    """The attribute columns of ``gdf`` (not its geometry), as strings."""
    geom = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    return [str(c) for c in gdf.columns if c != geom]


def id_rank(index: pd.Index) -> np.ndarray:
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
        rank[at] = id_rank(index[rows[order[at]]])
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


def near(subject: gpd.GeoDataFrame, target: gpd.GeoDataFrame, km: float) -> gpd.GeoDataFrame:
    """Rows of ``subject`` within ``km`` of ``target``, with the nearest one (see query.near)."""
    a, b = Geoms(subject.geometry.to_numpy()), Geoms(target.geometry.to_numpy())
    rows, radius, rank = np.flatnonzero(a.valid), np.full(len(a), float(km)), id_rank(target.index)
    empty = np.zeros(0, dtype=np.int64)
    found = [(empty, empty, np.zeros(0))]
    if a.all_points and b.valid.any():  # compiled: the nearest one per point
        ia, ib, d, rows = point_join(a, rows, b, rank, float(km))
        found.append((ia, ib, d))
    if len(rows):  # other geometries, and points left over: every pair, then the nearest
        ia, ib, d = within_km(a, rows, radius, b)
        order = np.lexsort((rank[ib], d, ia))
        ia, ib, d = ia[order], ib[order], d[order]
        first = np.ones(len(ia), dtype=bool)
        first[1:] = ia[1:] != ia[:-1]
        found.append((ia[first], ib[first], d[first]))
    ia, ib, d = (np.concatenate(part) for part in zip(*found))
    order = _by_distance_then_id(d, subject.index, ia)
    return _attach(subject, ia[order], target, ib[order], d[order])


def nearest(subject: gpd.GeoDataFrame, target: gpd.GeoDataFrame, k: int = 1,
            max_km: float | None = None) -> gpd.GeoDataFrame:
    """The ``k`` nearest rows of ``target`` for every row of ``subject`` (see query.nearest)."""
    a, b = Geoms(subject.geometry.to_numpy()), Geoms(target.geometry.to_numpy())
    cap = HALF_EARTH_KM if max_km is None else float(max_km)
    found: tuple[list, list, list] = ([], [], [])
    rows = np.flatnonzero(a.valid)
    by_id = id_rank(target.index)
    wanted = min(k, int(b.valid.sum()))
    if len(rows) and wanted and a.all_points:
        radius0 = min(b.point_grid.cell_km, cap)
        ia, ib, d, rows = point_join(a, rows, b, by_id, radius0, k, cap, wanted)
        for acc, part in zip(found, (ia, ib, d)):
            acc.append(part)
    if len(rows) and wanted:
        # start from the counterpart nearest in degrees: its geodesic distance bounds the
        # nearest one; widen (doubling) until k counterparts lie within the radius
        q, ib0 = b.tree.query_nearest(a.geoms[rows], all_matches=False)
        radius = np.full(len(a), cap)
        radius[rows[q]] = np.minimum(upper_km(a, rows[q], b, ib0), cap)
        while len(rows):
            ia, ib, d = within_km(a, rows, radius, b)
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


def within(subject: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows of ``subject`` inside an area, with ``area_ids`` (see query.within)."""
    return _with_area_ids(subject, areas, *_areas_for(subject, areas, "within"))


def intersects(subject: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows of ``subject`` touching an area, with ``area_ids`` (see query.intersects)."""
    return _with_area_ids(subject, areas, *_areas_for(subject, areas, "intersects"))


_AGGREGATES = ("count", "sum", "mean", "min", "max", "list")


def parse_stats(stats, fields: list[str]) -> list[tuple[str, str | None, str]]:
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


def summarize(subject: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, stats=None) -> gpd.GeoDataFrame:
    """Aggregate ``subject`` per row of ``areas`` (see query.summarize)."""
    spec = parse_stats(stats, fields(subject))
    geoms = subject.geometry.to_numpy()
    i, j = _areas_for(subject, areas, "intersects")
    point = np.isin(shapely.get_type_id(geoms), [0, 4])
    first = np.ones(len(i), dtype=bool)
    first[1:] = i[1:] != i[:-1]
    keep = ~point[i] | first
    i, j = i[keep], j[keep]
    missing = np.setdiff1d(np.flatnonzero(point & ~shapely.is_empty(geoms)), i)
    if len(missing):
        close = nearest(subject.iloc[missing], areas, 1, AREA_TOLERANCE_KM)
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
