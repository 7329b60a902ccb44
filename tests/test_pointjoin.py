"""The compiled point engine (geoatlas.pointjoin) against the numpy engine and pyproj.

near/nearest send point layers through the compiled kernel and everything else through
the numpy engine of geoatlas.query; both must give the same answers. The reference here
is the numpy engine's every-pair search (``geodesic.within_km``), and pyproj's Geod for
single distances.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geoatlas import geodesic, pointjoin, pointkernels, query
from geoatlas.engines import memory
from geoatlas.geometry import line_through

GEOD = Geod(ellps="WGS84")


def frame(geoms, prefix) -> gpd.GeoDataFrame:
    ids = [f"{prefix}{i:04d}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"name": ids}, geometry=list(geoms), index=ids, crs=4326)


def scene(seed: int, n_points=1500, n_lines=40, n_polys=25, n_pts=30):
    """Points over the region; lines, polygons and points to measure them against."""
    rng = np.random.default_rng(seed)
    pts = shapely.points(rng.uniform([58, 26], [78, 42], size=(n_points, 2)))
    lines = [line_through(rng.uniform([59, 27], [77, 41], size=(rng.integers(2, 6), 2)))
             for _ in range(n_lines)]
    polys = [shapely.Point(rng.uniform([59, 27], [77, 41])).buffer(rng.uniform(0.05, 0.8), 8)
             for _ in range(n_polys)]
    targets = [*lines, *polys, *shapely.points(rng.uniform([59, 27], [77, 41], (n_pts, 2)))]
    return frame(pts, "p"), frame(targets, "t")


def every_pair(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, km: float) -> pd.DataFrame:
    """All (point, feature) pairs within ``km`` by the numpy engine, nearest first."""
    ga, gb = geodesic.Geoms(a.geometry.to_numpy()), geodesic.Geoms(b.geometry.to_numpy())
    i, j, d = geodesic.within_km(ga, np.flatnonzero(ga.valid), np.full(len(a), km), gb)
    rank = memory.id_rank(b.index)
    order = np.lexsort((rank[j], d, i))
    return pd.DataFrame({"i": i[order], "j": j[order], "km": d[order]})


def kernel(a, b, radius_km, k=1, cap_km=None):
    """points_to_features with the query module's inputs: ``(i, j, km, retry)``."""
    ga, gb = geodesic.Geoms(a.geometry.to_numpy()), geodesic.Geoms(b.geometry.to_numpy())
    start, inside = geodesic.inside_areas(ga.geoms, gb)
    pos, f, km, retry = pointjoin.points_to_features(
        shapely.get_x(ga.geoms), shapely.get_y(ga.geoms), gb.point_grid, radius_km, k,
        start, inside, memory.id_rank(b.index), cap_km)
    hit = f >= 0
    i = np.broadcast_to(pos[:, None], f.shape)[hit]
    order = np.lexsort((np.broadcast_to(np.arange(k), f.shape)[hit], i))
    return i[order], f[hit][order], km[hit][order], pos[retry]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("km", [0.0, 5.0, 60.0])
def test_near_equals_the_numpy_engine(seed, km):
    a, b = scene(seed)
    ref = every_pair(a, b, km).groupby("i").first()
    i, j, d, retry = kernel(a, b, km)
    assert not len(retry)
    assert list(i) == list(ref.index)  # the same points have a counterpart within km
    assert list(j) == list(ref["j"])  # the same nearest one (ties: the first id)
    assert np.allclose(d, ref["km"], rtol=1e-9, atol=1e-7)  # within 0.1 mm
    if km:
        assert (d == 0).any()  # points inside polygons are at 0 km


@pytest.mark.parametrize("k", [1, 3])
def test_nearest_equals_the_numpy_engine(k):
    a, b = scene(3, n_points=800)
    ref = every_pair(a, b, 3000.0)  # the region is smaller: every pair
    ref = ref[ref.groupby("i").cumcount() < k]
    i, j, d, retry = kernel(a, b, 10.0, k=k, cap_km=20_040.0)
    assert not len(retry)
    assert list(i) == list(ref["i"]) and list(j) == list(ref["j"])
    assert np.allclose(d, ref["km"], rtol=1e-9, atol=1e-7)


def test_nearest_reaches_points_far_outside_the_grid():
    a = frame(shapely.points([(20.0, 10.0), (120.0, 50.0), (68.0, 34.0)]), "p")
    b = frame([shapely.LineString([(67.0, 33.0), (68.0, 33.5)]),
               shapely.LineString([(70.0, 35.0), (70.5, 36.0)])], "t")
    got = query.nearest(a, b)
    for pid, row in got.iterrows():
        pt = a.geometry[pid]
        ref = query.distance_km(pt, b.geometry.to_numpy())
        assert row["nearest_id"] == b.index[int(np.argmin(ref))]
        assert row["distance_km"] == pytest.approx(ref.min(), rel=1e-9)
    assert got.loc["p0000", "distance_km"] > 4000


def test_points_on_lines_and_vertices_are_0_km_and_ties_go_to_the_first_id():
    line = shapely.LineString([(66.0, 34.0), (68.0, 34.0), (68.0, 36.0)])
    b = frame([line, line], "t")  # two identical lines: every distance ties
    on_segment, on_vertex, off = (67.25, 34.0), (68.0, 34.0), (67.0, 34.5)
    a = frame(shapely.points([on_segment, on_vertex, off]), "p")
    got = query.near(a, b, km=100)
    assert got.loc["p0000", "distance_km"] == 0.0 and got.loc["p0001", "distance_km"] == 0.0
    assert set(got["nearest_id"]) == {"t0000"}
    assert got.loc["p0002", "distance_km"] == pytest.approx(
        query.distance_km(shapely.Point(off), [line])[0], rel=1e-9)


def test_vincenty_matches_geod():
    rng = np.random.default_rng(5)
    lon1, lat1 = rng.uniform(-180, 180, 3000), rng.uniform(-80, 80, 3000)
    lon2 = np.r_[lon1[:1000] + rng.normal(0, 0.05, 1000), rng.uniform(-180, 180, 2000)]
    lat2 = np.r_[lat1[:1000] + rng.normal(0, 0.05, 1000), rng.uniform(-80, 80, 2000)]
    az, _, metres = GEOD.inv(lon1, lat1, lon2, lat2)
    l1, s1, c1 = pointkernels.reduced(lon1, lat1)
    l2, s2, c2 = pointkernels.reduced(lon2, lat2)
    got = np.array([pointkernels._inverse(*v) for v in zip(l1, s1, c1, l2, s2, c2)])
    ok = ~np.isnan(got[:, 2])
    assert ok.mean() > 0.99  # only nearly antipodal pairs fail, and say so with NaN
    assert np.allclose(got[ok, 2], metres[ok], rtol=1e-10, atol=1e-4)  # within 0.1 mm
    assert np.allclose(got[ok, 0], np.sin(np.radians(az[ok])), atol=1e-9)
    assert np.allclose(got[ok, 1], np.cos(np.radians(az[ok])), atol=1e-9)


@pytest.mark.parametrize("reach_km", [2.0, 20.0, 49.0])
def test_short_series_matches_geod(reach_km):
    """Near vertices are solved by series: distance and lateral position within 10 um."""
    rng = np.random.default_rng(int(reach_km))
    n = 2000
    lon1, lat1 = rng.uniform(-180, 180, n), rng.uniform(-85, 85, n)
    az, metres = rng.uniform(-180, 180, n), rng.uniform(0, reach_km * 1000, n)
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, az, metres)
    ends = pointkernels.ecef(lon2, lat2)
    pt = np.empty(17)
    got = []
    for x, y, v in zip(lon1, lat1, ends):
        pointkernels._describe(x, y, pt)
        got.append(pointkernels._short(pt[6:], *v))
    east, north, d = np.array(got).T
    assert np.abs(d - metres).max() < 1e-5
    lateral = metres * np.abs(np.arcsin(east * np.cos(np.radians(az))
                                        - north * np.sin(np.radians(az))))
    assert lateral.max() < 1e-5
    far = pointkernels.ecef(np.array([lon1[0]]), np.array([lat1[0] + 1.0]))[0]
    pointkernels._describe(lon1[0], lat1[0], pt)
    assert np.isnan(pointkernels._short(pt[6:], *far)[2])  # ~100 km: left to Vincenty


def test_nearly_antipodal_points_fall_back_to_the_numpy_engine():
    a = frame(shapely.points([(0.0, 0.0), (10.0, 0.5)]), "p")
    b = frame([shapely.Point(179.7, 0.3), shapely.Point(179.4, 0.2)], "t")
    _, _, _, retry = kernel(a, b, 100.0, cap_km=20_040.0)
    assert len(retry)  # Vincenty gave up: these points are answered by query's engine
    got = query.nearest(a, b)
    for pid, row in got.iterrows():
        pt = a.geometry[pid]
        ref = GEOD.inv(np.full(2, pt.x), np.full(2, pt.y), b.geometry.x, b.geometry.y)[2]
        assert row["nearest_id"] == b.index[int(np.argmin(ref))]
        assert row["distance_km"] == pytest.approx(ref.min() / 1000, rel=1e-9)
