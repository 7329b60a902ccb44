"""Spatial queries: geodesic distances, near/nearest against a brute force, areas, CLI."""

from __future__ import annotations

import itertools
import json
import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

import geoatlas
from geoatlas import query
from geoatlas.cli import cli
from geoatlas.errors import GeoatlasDeprecationWarning
from geoatlas.geometry import line_through

GEOD = Geod(ellps="WGS84")
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


def geod_km(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


def points(coords, prefix="p", **columns) -> gpd.GeoDataFrame:
    ids = [f"{prefix}{i:02d}" for i in range(len(coords))]
    geoms = [shapely.Point(x, y) for x, y in coords]
    return gpd.GeoDataFrame({"id": ids, "name": ids, **columns}, geometry=geoms, crs=4326,
                            index=ids)


def dense_line_km(point, vertices, step_km=0.05) -> float:
    """Reference: distance from a point to a line read as geodesics between its vertices,
    by sampling every ``step_km`` along each geodesic (endpoints included)."""
    best = np.inf
    for (x1, y1), (x2, y2) in itertools.pairwise(vertices):
        n = int(geod_km((x1, y1), (x2, y2)) / step_km) + 1
        pts = np.array([(x1, y1), *GEOD.npts(x1, y1, x2, y2, n), (x2, y2)])
        d = GEOD.inv(np.full(len(pts), point[0]), np.full(len(pts), point[1]),
                     pts[:, 0], pts[:, 1])[2]
        best = min(best, d.min() / 1000.0)
    return best


# -- distances against pyproj.Geod -------------------------------------------------------
@pytest.mark.parametrize(("layer_a", "a", "layer_b", "b"), [
    ("deposits", "mes-aynak", "places", "kabul"),
    ("places", "hairatan", "places", "mazar-e-sharif"),
])
def test_real_pairs_match_geod(atlas, layer_a, a, layer_b, b):
    pa, pb = atlas[layer_a].geometry[a], atlas[layer_b].geometry[b]
    expected = geod_km((pa.x, pa.y), (pb.x, pb.y))
    got = atlas.nearest(f"{layer_a}:{a}", f"{layer_b}:{b}")
    assert got["distance_km"].iloc[0] == pytest.approx(expected, rel=1e-9)
    hit = atlas.near(f"{layer_a}:{a}", layer_b, km=expected + 0.001)
    assert hit.loc[a, "distance_km"] <= expected * (1 + 1e-9)
    assert query.pairwise_km([pa], [pb])[0] == pytest.approx(expected, rel=1e-9)


def test_mes_aynak_to_kabul_is_about_31_km(atlas):
    got = atlas.nearest("deposits:mes-aynak", "places", to_where="id == 'kabul'")
    assert got["distance_km"].iloc[0] == pytest.approx(31.07, abs=0.01)


# a line across three UTM zones (41/42/43: the 66E and 72E boundaries)
ZONES_LINE = [(63.2, 33.1), (69.0, 35.6), (74.8, 34.2)]


@pytest.mark.parametrize("line", [
    shapely.LineString(ZONES_LINE),      # raw vertices: segments read as geodesics
    line_through(ZONES_LINE),            # the project's own densified drawing
], ids=["raw", "line_through"])
@pytest.mark.parametrize("pt", [
    (65.95, 34.0), (66.05, 35.2), (71.9, 35.4), (72.1, 33.0), (69.0, 30.0), (60.0, 36.0),
    (77.0, 34.2), (68.0, 35.25), (73.0, 38.5),
])
def test_distance_to_line_across_utm_zones(line, pt):
    expected = dense_line_km(pt, ZONES_LINE)
    got = query.distance_km(shapely.Point(pt), [line])[0]
    assert got == pytest.approx(expected, rel=0.005)  # the promise
    assert got == pytest.approx(expected, abs=0.05)   # and in fact within 50 m


def test_polygon_and_line_distances():
    square = shapely.box(66.0, 34.0, 67.0, 35.0)
    inside = query.distance_km(shapely.Point(66.5, 34.5), [square])[0]
    assert inside == 0.0
    east = query.distance_km(shapely.Point(67.5, 34.5), [square])[0]
    assert east == pytest.approx(dense_line_km((67.5, 34.5), [(67.0, 34.0), (67.0, 35.0)]),
                                 rel=1e-3)
    crossing = shapely.LineString([(65.0, 34.5), (68.0, 34.5)])
    assert query.pairwise_km([crossing], [square])[0] == 0.0
    parallel = shapely.LineString([(66.0, 36.0), (67.0, 36.0)])
    # nearest points of two lines: both ends of the lower edge vs the parallel line
    assert query.pairwise_km([parallel], [square])[0] == pytest.approx(
        dense_line_km((66.5, 35.0), [(66.0, 36.0), (67.0, 36.0)]), rel=5e-3)


# -- near / nearest against a brute force ------------------------------------------------
def brute(subjects: gpd.GeoDataFrame, targets: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every (subject, target) distance, with Geod directly."""
    sx, sy = subjects.geometry.x.to_numpy(), subjects.geometry.y.to_numpy()
    tx, ty = targets.geometry.x.to_numpy(), targets.geometry.y.to_numpy()
    i, j = np.meshgrid(np.arange(len(sx)), np.arange(len(tx)), indexing="ij")
    i, j = i.ravel(), j.ravel()
    km = GEOD.inv(sx[i], sy[i], tx[j], ty[j])[2] / 1000.0
    return pd.DataFrame({"subject": subjects.index[i], "target": targets.index[j], "km": km})


# a coarse grid makes equal distances (ties) and shared positions likely
coord = st.tuples(st.integers(120, 150).map(lambda v: v / 2),   # lon 60..75 by 0.5
                  st.integers(56, 80).map(lambda v: v / 2))     # lat 28..40 by 0.5
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.lists(coord, max_size=12), st.lists(coord, max_size=12),
       st.floats(0, 600, allow_nan=False))
def test_near_agrees_with_brute_force(subj, targ, km):
    a, b = points(subj, "s"), points(targ, "t")
    got = query.near(a, b, km)
    ref = brute(a, b)
    ref = ref[ref["km"] <= km].sort_values(["subject", "km", "target"])
    best = ref.groupby("subject").first()
    assert sorted(got.index) == sorted(best.index)
    for sid, row in got.iterrows():
        assert row["distance_km"] == pytest.approx(best.loc[sid, "km"], rel=1e-9, abs=1e-9)
        assert row["nearest_id"] == best.loc[sid, "target"]  # ties: the first id
    assert list(got["distance_km"]) == sorted(got["distance_km"])


@FAST
@given(st.lists(coord, max_size=10), st.lists(coord, max_size=10),
       st.integers(1, 4), st.one_of(st.none(), st.floats(0, 800, allow_nan=False)))
def test_nearest_agrees_with_brute_force(subj, targ, k, max_km):
    a, b = points(subj, "s"), points(targ, "t")
    got = query.nearest(a, b, k=k, max_km=max_km)
    ref = brute(a, b)
    if max_km is not None:
        ref = ref[ref["km"] <= max_km]
    ref = ref.sort_values(["subject", "km", "target"], kind="stable")
    ref = ref[ref.groupby("subject").cumcount() < k]
    assert list(got.index) == list(ref["subject"])
    assert np.allclose(got["distance_km"], ref["km"], rtol=1e-9, atol=1e-9)
    assert list(got["rank"]) == list(ref.groupby("subject").cumcount() + 1)
    # ids: the reference order, except among targets at the same distance to within
    # rounding (mirror images about the subject give Geod and the engine ulp-level
    # differences either way): each chosen target is at the distance reported, once
    every = brute(a, b)
    true_km = every.set_index(["subject", "target"])["km"]
    chosen = list(zip(got.index, got["nearest_id"]))
    assert len(set(chosen)) == len(chosen)
    assert np.allclose([true_km[c] for c in chosen], got["distance_km"], rtol=1e-9, atol=1e-9)
    # where no distance ties within rounding, the order is exactly the reference's
    ambiguous = np.array([np.isclose(every.loc[every["subject"] == sid, "km"], km,
                                     rtol=1e-9, atol=1e-9).sum() > 1
                          for sid, km in zip(ref["subject"], ref["km"])], dtype=bool)
    clear = ~ambiguous
    assert list(got["nearest_id"].to_numpy()[clear]) == list(ref["target"].to_numpy()[clear])


def test_ties_go_to_the_first_id_and_empty_results_are_empty():
    a = points([(66.0, 34.0)], "s")
    b = points([(67.0, 34.0), (64.9, 34.0), (67.0, 34.0)], "t")   # t00 and t02 coincide
    got = query.nearest(a, b, k=3)
    assert list(got["nearest_id"]) == ["t00", "t02", "t01"]
    assert list(got["rank"]) == [1, 2, 3]
    assert got["distance_km"].iloc[0] == got["distance_km"].iloc[1]
    assert query.near(a, b, km=100)["nearest_id"].iloc[0] == "t00"
    assert query.near(a, b, km=1.0).empty
    assert query.nearest(a, b, max_km=1.0).empty
    assert query.near(a, b.iloc[:0], km=100).empty
    assert query.nearest(a.iloc[:0], b).empty


def test_near_where_alone_still_selects_counterparts_and_filter_the_subjects():
    # the meaning --where had before to_where, kept for one release with a warning
    a = points([(66.0, 34.0), (70.0, 34.0)], "s", kind=["x", "y"])
    b = points([(66.1, 34.0), (70.1, 34.0)], "t", status=["operating", "proposed"])
    with pytest.warns(GeoatlasDeprecationWarning, match="Write to_where= for the counterparts"):
        got = query.near(a, b, km=20, where="status == 'operating'")
    assert list(got.index) == ["s00"]
    got = query.near(a, b, km=20, filter="kind == 'y'")
    assert list(got.index) == ["s01"] and got["nearest_id"].iloc[0] == "t01"


def two_sides():
    """Two subjects (kind x, y), each 8.9 km from an operating counterpart (north) and
    9.2 km from a proposed one (east): only a filter on the counterparts picks the east."""
    a = points([(66.0, 34.0), (70.0, 34.0)], "s", kind=["x", "y"])
    b = points([(66.0, 34.08), (66.1, 34.0), (70.0, 34.08), (70.1, 34.0)], "t",
               status=["operating", "proposed"] * 2)
    return a, b


@pytest.mark.parametrize("verb", ["near", "nearest"])
def test_where_selects_subjects_and_to_where_counterparts(verb):
    a, b = two_sides()
    ask = {"near": lambda **kw: query.near(a, b, km=20, **kw),
           "nearest": lambda **kw: query.nearest(a, b, **kw)}[verb]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new spellings never warn
        only_to = ask(to_where="status == 'proposed'")
        both = ask(where="kind == 'y'", to_where="status == 'proposed'")
        subjects_only = ask(where="kind == 'y'", to_where="")
    assert sorted(zip(only_to.index, only_to["nearest_id"])) == [("s00", "t01"), ("s01", "t03")]
    assert list(both.index) == ["s01"] and list(both["nearest_id"]) == ["t03"]
    assert list(subjects_only.index) == ["s01"] and list(subjects_only["nearest_id"]) == ["t02"]


@pytest.mark.parametrize("verb", ["near", "nearest"])
def test_where_alone_warns_at_the_callers_line_and_keeps_its_old_meaning(verb, atlas):
    a, b = two_sides()
    ask = getattr(query, verb)
    extra = {"km": 20} if verb == "near" else {"k": 2}
    with pytest.warns(GeoatlasDeprecationWarning) as caught:
        old = ask(a, b, where="status == 'proposed'", **extra)
    assert [w.filename for w in caught] == [__file__]
    assert "to_where=" in str(caught[0].message)
    new = ask(a, b, to_where="status == 'proposed'", **extra)
    pd.testing.assert_frame_equal(old, new)
    with pytest.warns(GeoatlasDeprecationWarning) as caught:  # through an Atlas method
        getattr(atlas, verb)("deposits", "places", where="kind == 'border_crossing'",
                             **({"km": 100} if verb == "near" else {}))
    assert [w.filename for w in caught] == [__file__]


def test_where_and_filter_together_are_refused_once_where_means_the_subjects():
    a, b = two_sides()
    with pytest.raises(geoatlas.QueryError, match=r"^where= and filter= both filter the "
                       r"features asked about; give one \(where=\)$"):
        query.near(a, b, km=20, where="kind == 'y'", filter="kind == 'x'", to_where="")


def test_many_points_against_densified_lines():
    rng = np.random.default_rng(7)
    a = points(rng.uniform([58, 26], [78, 42], size=(3000, 2)), "s")
    lines = [line_through(rng.uniform([60, 28], [76, 40], size=(4, 2))) for _ in range(60)]
    b = gpd.GeoDataFrame({"name": [f"l{i}" for i in range(60)]}, geometry=lines, crs=4326,
                         index=[f"l{i:02d}" for i in range(60)])
    got = query.near(a, b, km=25)
    assert len(got) > 50
    # spot-check against the reference on a few hits
    for sid in got.index[:5]:
        p = a.geometry[sid]
        line = b.geometry[got.loc[sid, "nearest_id"]]
        ref = min(dense_line_km((p.x, p.y), list(part.coords), step_km=0.2)
                  for part in [line])
        assert got.loc[sid, "distance_km"] == pytest.approx(ref, rel=5e-3, abs=0.11)  # 200 m steps


# -- within / intersects / summarize ----------------------------------------------------
def test_within_and_intersects_on_real_data(atlas):
    inside = atlas.within("deposits", "central-mineral-belt")
    assert set(inside.index) == {"hajigak", "marble-chisht-e-sharif", "shaida-copper"}
    assert set(inside["area_ids"]) == {"central-mineral-belt"}
    assert "mes-aynak" not in inside.index       # the belt note says so
    rail = atlas.intersects("rail", "Afghanistan")
    afg = atlas.countries.geometry["AFG"]
    assert set(rail.index) == set(atlas.rail.index[atlas.rail.intersects(afg)])
    strictly = atlas.within("rail", "countries:AFG")
    assert set(strictly.index) < set(rail.index)
    assert "termez-hairatan" not in strictly.index


def test_summarize_counts_sums_and_lists():
    left, right, empty = (shapely.box(60, 30, 61, 31), shapely.box(61, 30, 62, 31),
                          shapely.box(70, 30, 71, 31))
    areas = gpd.GeoDataFrame({"id": ["left", "right", "empty"], "name": ["L", "R", "E"]},
                             geometry=[left, right, empty], crs=4326,
                             index=["left", "right", "empty"])
    pts = points([(60.5, 30.5), (60.2, 30.2), (61.0, 30.5), (61.5, 30.5), (62.03, 30.5),
                  (65.0, 30.5)], "d", contract_value_usd=[1.0, 2.0, 4.0, np.nan, 8.0, 16.0])
    out = query.summarize(pts, areas)
    assert isinstance(out, gpd.GeoDataFrame) and list(out.index) == ["left", "right", "empty"]
    # (61.0, 30.5) lies on the shared border: counted once, in the first area;
    # (62.03, 30.5) is 2.9 km outside "right": counted there; (65, 30.5) is nowhere
    assert list(out["count"]) == [3, 2, 0]
    assert out.loc["left", "sum_contract_value_usd"] == 7.0
    assert out.loc["right", "sum_contract_value_usd"] == 8.0
    assert np.isnan(out.loc["empty", "sum_contract_value_usd"])
    assert out.loc["left", "list_name"] == "d00;d01;d02"
    assert out.loc["empty", "list_name"] == ""
    assert out.geometry.equals(areas.geometry)
    custom = query.summarize(pts, areas, stats=["count", "max:contract_value_usd"])
    assert list(custom.columns[-2:]) == ["count", "max_contract_value_usd"]


def test_summarize_real_provinces(atlas):
    out = atlas.summarize("deposits", "provinces")
    logar = out.loc["afg-logar"]
    assert logar["count"] == 2
    assert logar["list_name"] == "Logar chromite (Mughulkhil and others);Mes Aynak"
    assert logar["sum_contract_value_usd"] == 3e9
    assert out["count"].sum() == len(atlas.deposits)


def test_as_of_changes_the_answer(atlas):
    now = atlas.near("deposits", "rail", km=100, to_where="status == 'operating'")
    then = atlas.as_of("2015-01-01").near("deposits", "rail", km=100,
                                          to_where="status == 'operating'")
    assert "shaida-copper" in now.index           # Khaf-Rozanak opened December 2020
    assert "shaida-copper" not in then.index


# -- errors ------------------------------------------------------------------------------
def test_errors_list_what_is_valid(atlas):
    with pytest.raises(geoatlas.QueryError, match=r"unknown counterpart layer .rial. "
                                                  r"\(did you mean rail\?\); "
                                                  r"layers: countries, provinces"):
        atlas.near("deposits", "rial", km=5)
    with pytest.raises(geoatlas.QueryError, match=r"unknown places id 'kabol' \(did you mean "
                                                  r"kabul\?\); places ids: akhalkalaki"):
        atlas.nearest("deposits", "places:kabol")
    with pytest.raises(geoatlas.QueryError, match=r"unknown area 'nowhere'.*belts \("
                                                  r"central-mineral-belt\)"):
        atlas.within("deposits", "nowhere")
    with pytest.raises(geoatlas.QueryError,
                       match=r"unknown field\(s\) stauts \(did you mean status\?\).*fields: id, "):
        atlas.near("deposits", "rail", km=5, to_where="stauts == 'operating'")
    with pytest.raises(geoatlas.QueryError, match=r"statistic 'sum:value' needs a field"):
        atlas.summarize("deposits", "provinces", ["sum:value"])
    with pytest.raises(ValueError, match="km must be a distance"):
        atlas.near("deposits", "rail", km=-1)


def test_bad_where_says_where_it_fails():
    df = pd.DataFrame({"status": ["operating"], "km": [1.0]})
    with pytest.raises(geoatlas.QueryError) as info:
        query.apply_where(df, "status == 'operating' and and km > 0")
    assert str(info.value) == (
        "where expression does not parse at column 27 (invalid syntax):\n"
        "  status == 'operating' and and km > 0\n"
        "                            ^"
    )
    with pytest.raises(geoatlas.QueryError, match="failed: "):
        query.apply_where(df, "status > 3")
    assert len(query.apply_where(df, "`km` > 0 and status in ['operating']")) == 1
    # pandas' method calls were accepted before the where language; now nothing runs
    with pytest.raises(geoatlas.QueryError, match=r"column 20 \('\.' is not part of the where"):
        query.apply_where(df, "`km` > 0 and status.str.startswith('op')")


# -- command line ------------------------------------------------------------------------
PLACES = """\
id,name,alt_names,kind,country,lat,lon,location_quality,coord_source,source_ids,notes
kabul,Kabul,,capital,AFG,34.5553,69.2075,approximate,fixture-doc,fixture-doc,
jalalabad,Jalalabad,,city,AFG,34.4265,70.4515,approximate,fixture-doc,fixture-doc,
torkham,Torkham,,border_crossing,AFG,34.1223,71.0868,approximate,fixture-doc,fixture-doc,
peshawar,Peshawar,,city,PAK,34.0151,71.5249,approximate,fixture-doc,fixture-doc,
mazar,Mazar,,city,AFG,36.7090,67.1109,approximate,fixture-doc,fixture-doc,
hairatan,Hairatan,,border_crossing,AFG,37.2160,67.4220,approximate,fixture-doc,fixture-doc,
"""
DEPOSITS = """\
id,name,alt_names,commodities,province,country,lat,lon,location_quality,coord_source,\
estimate_value,estimate_unit,estimate_meaning,source_ids,notes
copper-hill,Copper Hill,,copper,Logar,AFG,34.27,69.20,approximate,fixture-doc,,,,fixture-doc,
iron-valley,Iron Valley,,iron,Bamyan,AFG,34.85,68.05,admin_area,fixture-doc,,,,fixture-doc,
talc-ridge,Talc Ridge,,talc,Nangarhar,AFG,34.13,70.71,approximate,fixture-doc,,,,fixture-doc,
"""
RAIL = """\
id,name,route,nodes,status,opened,date_precision,operator,location_quality,source_ids,notes
kabul-jalalabad,Kabul-Jalalabad,,kabul;jalalabad,operating,2011,year,,schematic,fixture-doc,
jalalabad-peshawar,Jalalabad-Peshawar,,jalalabad;torkham;peshawar,proposed,2019,year,,\
schematic,fixture-doc,
hairatan-mazar,Hairatan-Mazar,,hairatan;mazar,operating,2011,year,,approximate,fixture-doc,
"""
CONTRACTS = """\
id,asset_layer,asset_id,company,company_country,partners,awarded,date_precision,value_usd,\
value_min_usd,value_max_usd,value_year,value_meaning,status,source_ids,notes
copper-deal,deposits,copper-hill,Copper Co,CHN,,2008,year,3000000000,,,2008,total,signed,\
fixture-doc,
talc-deal,deposits,talc-ridge,Talc Co,PAK,,2020,year,50000000,,,2020,total,signed,fixture-doc,
"""


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A workspace built here: six places, three deposits, three rail links."""
    ws = tmp_path / "tiny"
    shutil.copytree(MINI, ws, symlinks=False)
    (ws / "geo" / "places.csv").write_text(PLACES, encoding="utf-8")
    layers = ws / "layers"
    (layers / "deposits.csv").write_text(DEPOSITS, encoding="utf-8")
    (layers / "rail.csv").write_text(RAIL, encoding="utf-8")
    (layers / "contracts.csv").write_text(CONTRACTS, encoding="utf-8")
    corridors = (MINI / "layers" / "corridors.csv").read_text(encoding="utf-8")
    (layers / "corridors.csv").write_text(corridors.splitlines()[0] + "\n", encoding="utf-8")
    events = (MINI / "layers" / "events.csv").read_text(encoding="utf-8")
    (layers / "events.csv").write_text(events.splitlines()[0] + "\n", encoding="utf-8")
    return ws


def run(ws, *args):
    result = CliRunner().invoke(cli, ["query", *args, "--workspace", str(ws)])
    return result


def test_cli_near_csv_when_piped(tiny):
    r = run(tiny, "near", "deposits", "--to", "rail", "--km", "35", "--to-where",
            "status == 'operating'")
    assert r.exit_code == 0, r.output
    assert r.output == (
        "id,name,distance_km,nearest_id,nearest_name\n"
        "copper-hill,Copper Hill,31.509,kabul-jalalabad,Kabul-Jalalabad\n"
    )


def test_cli_near_table(tiny):
    r = run(tiny, "near", "deposits", "--to", "rail", "--km", "50", "-f", "table")
    assert r.exit_code == 0, r.output
    assert r.output == (
        "2 deposits within 50 km of rail\n"
        "\n"
        "id           name         distance_km  nearest_id          nearest_name\n"
        "-----------  -----------  -----------  ------------------  ------------------\n"
        "talc-ridge   Talc Ridge          16.7  jalalabad-peshawar  Jalalabad-Peshawar\n"
        "copper-hill  Copper Hill         31.5  kabul-jalalabad     Kabul-Jalalabad\n"
    )


def test_cli_nearest_border_crossing(tiny):
    r = run(tiny, "nearest", "deposits", "--to", "places", "--to-where",
            "kind == 'border_crossing'", "-f", "table")
    assert r.exit_code == 0, r.output
    assert r.output == (
        "nearest 1 of places where kind == 'border_crossing' for 3 deposits\n"
        "\n"
        "id           name         rank  nearest_id  nearest_name  distance_km\n"
        "-----------  -----------  ----  ----------  ------------  -----------\n"
        "copper-hill  Copper Hill     1  torkham     Torkham             174.7\n"
        "iron-valley  Iron Valley     1  hairatan    Hairatan            268.6\n"
        "talc-ridge   Talc Ridge      1  torkham     Torkham              34.8\n"
    )


NEAR_OPERATING = (
    "id,name,distance_km,nearest_id,nearest_name\n"
    "copper-hill,Copper Hill,31.509,kabul-jalalabad,Kabul-Jalalabad\n"
    "talc-ridge,Talc Ridge,40.6,kabul-jalalabad,Kabul-Jalalabad\n"
)
DEPRECATED = (
    "geoatlas: warning: --where in 'query {verb}' filters the --to features for now; in "
    "the next release it will filter the features of LAYER, as in within and summarize. "
    "Write --to-where for the --to features (with it, --where already filters the "
    "features of LAYER).\n"
)


def test_cli_to_where_filters_the_counterparts_and_where_the_layer(tiny):
    r = run(tiny, "near", "deposits", "--to", "rail", "--km", "50", "--to-where",
            "status == 'operating'")
    assert (r.exit_code, r.stdout, r.stderr) == (0, NEAR_OPERATING, "")
    # talc-ridge is 16.7 km from the proposed Jalalabad-Peshawar link: --to-where counts
    r = run(tiny, "near", "deposits", "--to", "rail", "--km", "50", "--where",
            "id != 'copper-hill'", "--to-where", "status == 'operating'")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == ("id,name,distance_km,nearest_id,nearest_name\n"
                        "talc-ridge,Talc Ridge,40.6,kabul-jalalabad,Kabul-Jalalabad\n")
    r = run(tiny, "nearest", "deposits", "--to", "places", "--where", "id == 'talc-ridge'",
            "--to-where", "kind == 'border_crossing'")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == ("id,name,rank,nearest_id,nearest_name,distance_km\n"
                        "talc-ridge,Talc Ridge,1,torkham,Torkham,34.77\n")


def test_cli_where_means_the_same_features_in_near_and_within(tiny):
    expr = "country == 'AFG' and id != 'copper-hill'"
    near = run(tiny, "near", "deposits", "--to", "rail", "--km", "1000", "--where", expr,
               "--to-where", "", "--columns", "id")
    within = run(tiny, "within", "deposits", "--area", "AFG", "--where", expr,
                 "--columns", "id")
    assert near.exit_code == within.exit_code == 0
    assert sorted(near.stdout.split()) == sorted(within.stdout.split()) == [
        "id", "iron-valley", "talc-ridge"]


def test_cli_where_alone_on_near_keeps_its_old_meaning_and_warns(tiny):
    r = run(tiny, "near", "deposits", "--to", "rail", "--km", "50", "--where",
            "status == 'operating'")
    assert (r.exit_code, r.stdout) == (0, NEAR_OPERATING)
    assert r.stderr == DEPRECATED.format(verb="near")
    old = run(tiny, "nearest", "deposits", "--to", "places", "--where",
              "kind == 'border_crossing'", "--filter", "id == 'talc-ridge'")
    new = run(tiny, "nearest", "deposits", "--to", "places", "--to-where",
              "kind == 'border_crossing'", "--filter", "id == 'talc-ridge'")
    assert old.exit_code == new.exit_code == 0
    assert old.stdout == new.stdout == ("id,name,rank,nearest_id,nearest_name,distance_km\n"
                                        "talc-ridge,Talc Ridge,1,torkham,Torkham,34.77\n")
    assert (old.stderr, new.stderr) == (DEPRECATED.format(verb="nearest"), "")


def test_cli_where_and_filter_together_are_refused_with_to_where(tiny):
    r = run(tiny, "near", "deposits", "--to", "rail", "--km", "50", "--where", "id == 'a'",
            "--filter", "id == 'b'", "--to-where", "")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == ("geoatlas: error: --where and --filter both filter the features of "
                        "LAYER; give one (--where)\n")


def test_cli_summarize_csv(tiny):
    r = run(tiny, "summarize", "deposits", "--by", "provinces", "--by-where",
            "iso3 == 'AFG'", "--skip-empty", "-f", "csv")
    assert r.exit_code == 0, r.output
    assert r.output == (
        "id,iso3,name,count,sum_contract_value_usd,list_name\n"
        "afg-bamyan,AFG,Bamyan,1,,Iron Valley\n"
        "afg-logar,AFG,Logar,1,3000000000.0,Copper Hill\n"
        "afg-nangarhar,AFG,Nangarhar,1,50000000.0,Talc Ridge\n"
    )


def test_cli_within_and_as_of(tiny):
    r = run(tiny, "within", "deposits", "--area", "Logar")
    assert r.output == "id,name,area_ids\ncopper-hill,Copper Hill,afg-logar\n"
    r = run(tiny, "near", "deposits", "--to", "rail", "--km", "35", "--as-of", "2010-01-01")
    assert r.output == "id,name,distance_km,nearest_id,nearest_name\n"


def test_cli_route_table(tiny):
    r = run(tiny, "route", "copper-hill", "--to", "peshawar", "-f", "table")
    assert r.exit_code == 0, r.output
    assert r.output == (
        "route copper-hill -> peshawar (network as of: latest)\n"
        "length: 256.5 km\n"
        "places: Copper Hill - Kabul - Jalalabad - Torkham - Peshawar\n"
        "countries: Afghanistan - Pakistan\n"
        "schematic: 100.0 % (of which connectors 12.3 %, 31.7 km)\n"
        "\n"
        "seq  from_id      to_id         km  cum_km  layer      features                 "
        "connector  countries\n"
        "---  -----------  ---------  -----  ------  ---------  -----------------------  "
        "---------  ---------\n"
        "  1  copper-hill  kabul       31.7    31.7  connector                           "
        "yes        AFG\n"
        "  2  kabul        jalalabad  115.2   146.8  rail       rail:kabul-jalalabad"
        "                AFG\n"
        "  3  jalalabad    torkham     67.5   214.3  rail       rail:jalalabad-peshawar"
        "             AFG;PAK\n"
        "  4  torkham      peshawar    42.2   256.5  rail       rail:jalalabad-peshawar"
        "             PAK\n"
    )
    # the legs are the geodesic distances between the places (checked with Geod)
    legs = [(69.20, 34.27), (69.2075, 34.5553), (70.4515, 34.4265), (71.0868, 34.1223),
            (71.5249, 34.0151)]
    total = sum(geod_km(p, q) for p, q in itertools.pairwise(legs))
    assert f"length: {total:,.1f} km" in r.output


def test_cli_route_geojson_and_gpkg(tiny, tmp_path):
    r = run(tiny, "route", "copper-hill", "--to", "hairatan", "-f", "geojson", "--as-line")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 1
    props = doc["features"][0]["properties"]
    assert props["places"] == "copper-hill;kabul;mazar;hairatan"
    assert props["countries"] == "AFG"
    assert doc["features"][0]["geometry"]["type"] == "LineString"
    out = tmp_path / "legs.gpkg"
    r = run(tiny, "route", "copper-hill", "--to", "hairatan", "-f", "gpkg", "--out", str(out))
    assert r.output == f"wrote 3 features to {out} (gpkg)\n"
    legs = gpd.read_file(out, layer="route")
    assert list(legs["to_id"]) == ["kabul", "mazar", "hairatan"]
    assert list(legs["connector"]) == [1, 1, 0]
    r = run(tiny, "route", "copper-hill", "--to", "hairatan", "-f", "gpkg")
    assert r.exit_code == 2 and "--format gpkg needs --out PATH" in r.output


def test_cli_errors(tiny):
    r = run(tiny, "near", "deposits", "--to", "rails", "--km", "5")
    assert r.exit_code == 1
    assert r.output.startswith("geoatlas: error: unknown counterpart layer 'rails' (did you "
                               "mean rail?); layers: countries, provinces, places, deposits, "
                               "belts, rail, corridors")
    r = run(tiny, "near", "deposits", "--to", "rail", "--km", "5", "--to-where", "status = 'x'")
    assert r.exit_code == 1
    assert r.output == ("geoatlas: error: where expression does not parse at column 8 "
                        "(invalid syntax):\n"
                        "  status = 'x'\n"
                        "         ^\n")
    r = run(tiny, "route", "copper-hil", "--to", "peshawar")
    assert r.exit_code == 1
    assert r.output.startswith("geoatlas: error: unknown place or deposit 'copper-hil' (did "
                               "you mean copper-hill?); valid ids (places, deposits): "
                               "copper-hill, ")
    r = run(tiny, "near", "deposits", "--to", "rail", "--km", "5", "--columns", "id,nope")
    assert r.output.startswith("geoatlas: error: unknown column(s) nope; columns: id, name,")


# -- unknown values are reported like unknown fields (issue 15) ---------------------------
def test_unknown_value_names_the_values_that_exist(atlas, tiny):
    with pytest.raises(geoatlas.WhereError) as info:
        atlas.near("deposits", "rail", km=50, to_where="status == 'operational'")
    msg = str(info.value)
    assert msg.startswith("where expression at column 11 failed: no feature has status "
                          "'operational' (did you mean 'operating'?); values of status: ")
    listed = msg.split("values of status: ")[1].split(":\n")[0].split(", ")
    assert listed == sorted(atlas.rail["status"].dropna().unique())
    r = run(tiny, "nearest", "deposits", "--to", "places", "--to-where",
            "kind == 'border_crosing'")
    assert r.exit_code == 1
    assert r.output == (
        "geoatlas: error: where expression at column 9 failed: no feature has kind "
        "'border_crosing' (did you mean 'border_crossing'?); values of kind: "
        "border_crossing, capital, city:\n"
        "  kind == 'border_crosing'\n"
        "          ^\n")


def test_a_vocabulary_value_no_feature_holds_yet_is_not_an_error(atlas):
    from geoatlas.schema import STATUSES

    absent = next(s for s in STATUSES if s not in set(atlas.rail["status"]))
    assert atlas.near("deposits", "rail", km=100, to_where=f"status == '{absent}'").empty
