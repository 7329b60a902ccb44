"""Scale: the compact web encoding, simplified coverages, the dask engine, the size budget."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest
import shapely

import geoatlas
from geoatlas import query
from geoatlas.build import build
from geoatlas.errors import GeoatlasDeprecationWarning
from geoatlas.recipe import load_recipe
from geoatlas.render import compact, typedarrays, websize
from geoatlas.render.prepare import prepare
from geoatlas.style import LayerStyle
from tests.browser import offline_page, settle
from tests.clients import need_module
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
import synth  # the benchmarks' seeded generator (bench/ on sys.path above)

HOSTILE = "<img src=x onerror=\"window.__pwned=1\"> ${window.__pwned=2} {{7*7}} </script>"


def _prepared(atlas, name, layer_name):
    recipe = load_recipe(atlas, name)
    layers = prepare(atlas, recipe)
    return recipe, next(p for p in layers if p.spec.layer == layer_name)


@pytest.fixture(scope="module")
def points_ws(tmp_path_factory):
    """A workspace with 3,000 synthetic points (forced compact) and one hostile name."""
    gdf = synth.points(3000, seed=5)
    gdf.loc[gdf.index[17], "name"] = HOSTILE
    gdf.loc[gdf.index[18], "tonnage_mt"] = np.nan
    ws = synth.make_workspace(tmp_path_factory.mktemp("pts") / "ws", gdf, compact=True)
    return geoatlas.open(ws), gdf


def test_compact_points_round_trip_within_quantization(points_ws):
    atlas, _ = points_ws
    recipe, p = _prepared(atlas, "occurrences", "occurrences")
    assert compact.wanted(p)
    enc = compact.encode(p, recipe, atlas)
    x, y = compact.decode_points(enc.spec)
    geoms = p.frame.geometry.to_numpy()[enc.order]
    step = 0.5 / typedarrays.QUANT + 1e-12
    assert np.abs(x - shapely.get_x(geoms)).max() <= step
    assert np.abs(y - shapely.get_y(geoms)).max() <= step
    assert sorted(enc.order.tolist()) == list(range(len(p.frame)))  # a permutation
    # attributes: the text the popup shows, numbers exactly, missing stays missing
    frame = p.frame.iloc[enc.order]
    assert compact.decode_field(enc.spec, "name") == frame["name"].tolist()
    tonnage = compact.decode_field(enc.spec, "tonnage_mt")
    want = frame["tonnage_mt"].tolist()
    assert [t is None for t in tonnage] == [np.isnan(w) for w in want]
    assert [t for t in tonnage if t is not None] == [w for w in want if not np.isnan(w)]
    assert set(compact.decode_field(enc.spec, "status")) <= {
        "operating", "under construction", "signed", "announced", "proposed", "suspended"}
    # one symbol index per feature, into the symbols of the same style spec
    codes = typedarrays.section_array(enc.spec, enc.spec["sym"])
    from geoatlas.render.webformat import style_json

    expected = [style_json(s) for s in np.asarray(p.symbols, dtype=object)[enc.order]]
    assert [enc.spec["symbols"][c] for c in codes] == expected


def test_compact_layer_in_the_page_is_small_and_escaped(points_ws):
    atlas, _ = points_ws
    from geoatlas.render.web import render_html

    html = render_html(atlas, load_recipe(atlas, "occurrences"))
    assert HOSTILE not in html and "<img src=x" not in html  # names travel gzip+base64
    assert '"compact":{' in html
    assert render_html(atlas, load_recipe(atlas, "occurrences")) == html  # deterministic


def test_symbol_table_equals_row_by_row():
    rng = np.random.default_rng(1)
    n = 500
    frame = pd.DataFrame({
        "c": rng.choice(["copper", "gold", None, "iron"], n),
        "v": np.where(rng.random(n) < 0.2, np.nan, rng.lognormal(20, 2, n)),
        "status": rng.choice(["operating", "proposed", "cancelled"], n),
        "location_quality": rng.choice(["exact", "approximate", None, "admin_area"], n),
    })
    style = LayerStyle.from_dict("x", "point", {"color_by": "c", "size_by": "v",
                                                "size_classes": [0, 1e9, 3e9],
                                                "dash_by": "status"})
    assert style.symbols(frame) == style._row_symbols(frame)


@pytest.fixture(scope="module")
def coverage():
    """Natural Earth provinces of the mini fixture: a valid polygon coverage."""
    provinces = geoatlas.open(REPO / "tests" / "fixtures" / "mini")["provinces"]
    provinces = provinces[provinces.intersects(shapely.box(55, 25, 80, 42))]
    geoms = provinces.geometry.to_numpy()
    assert shapely.coverage_is_valid(geoms)
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="touches")
    i, j = i[i < j], j[i < j]
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[i]),
                                                 shapely.boundary(geoms[j]))) > 0
    return geoms, i[shared], j[shared]


@pytest.mark.parametrize("level", range(len(compact.LEVELS)))
def test_simplified_coverage_stays_valid_and_shares_borders(coverage, level):
    geoms, i, j = coverage
    tol = compact.level_tolerances(shapely.total_bounds(geoms))[level]
    out = compact.simplify_level(geoms, "polygon", tol, coverage=True)
    assert shapely.is_valid(out).all()
    assert shapely.get_num_coordinates(out).sum() <= shapely.get_num_coordinates(geoms).sum()
    # every pair of neighbours still shares a stretch of border, and none overlaps
    shared = shapely.length(shapely.intersection(shapely.boundary(out[i]),
                                                 shapely.boundary(out[j])))
    assert (shared > 0).all()
    assert shapely.area(shapely.intersection(out[i], out[j])).max() < 1e-9
    # no sliver: still a coverage (edges match), and the union has no new hole
    assert shapely.coverage_is_valid(out)

    def holes(g):
        return shapely.get_num_interior_rings(shapely.get_parts(shapely.union_all(g))).sum()

    assert holes(out) == holes(geoms)


def test_compact_polygons_decode_to_the_simplified_coverage(mini_copy):
    recipe = mini_copy / "maps" / "mini.toml"
    recipe.write_text(recipe.read_text().replace(
        'where = "iso3 == \'AFG\'"\ntimeline = false',
        'where = "iso3 == \'AFG\'"\ntimeline = false\ncompact = true'))
    atlas = geoatlas.open(mini_copy)
    rec, p = _prepared(atlas, "mini", "provinces")
    enc = compact.encode(p, rec, atlas)
    assert enc.spec["coverage"] is True
    for level in range(len(compact.LEVELS)):
        shapes = compact.decode_shapes(enc.spec, level)
        assert len(shapes) == len(p.frame) and shapely.is_valid(shapes).all()
        assert shapely.coverage_is_valid(shapes)
    finest = compact.decode_shapes(enc.spec, -1)
    original = p.frame.geometry.to_numpy()[enc.order]
    assert shapely.hausdorff_distance(finest, original).max() < 0.01  # ~1 km at most


# -- the dask engine -------------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    need_module("dask_geopandas")
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    with Client(cluster) as c:
        yield c
    cluster.close()


def test_dask_engine_equals_memory_engine(client, atlas):
    pts = synth.points(4000, seed=3)
    lines = synth.lines(300)
    opts = {"engine": "dask", "client": client, "npartitions": 3}
    pd.testing.assert_frame_equal(query.near(pts, lines, km=20),
                                  query.near(pts, lines, km=20, **opts))
    pd.testing.assert_frame_equal(query.nearest(pts, lines, k=2),
                                  query.nearest(pts, lines, k=2, **opts))
    pd.testing.assert_frame_equal(
        query.nearest(pts, lines, max_km=15, filter="status == 'operating'"),
        query.nearest(pts, lines, max_km=15, filter="status == 'operating'", **opts))
    sides = {"where": "status == 'operating'", "to_where": "status != 'operating'"}
    pd.testing.assert_frame_equal(query.near(pts, lines, km=20, **sides),
                                  query.near(pts, lines, km=20, **sides, **opts))
    with pytest.warns(GeoatlasDeprecationWarning):  # where alone: the counterparts, warned
        old = query.nearest(pts, lines, where="status == 'operating'", **opts)
    pd.testing.assert_frame_equal(old, query.nearest(pts, lines, to_where="status == 'operating'"))
    stats = ["count", "sum:value_usd", "mean:tonnage_mt", "min:tonnage_mt", "max:value_usd",
             "list:commodity"]
    pd.testing.assert_frame_equal(
        query.summarize(pts, atlas["countries"], stats=stats),
        query.summarize(pts, atlas["countries"], stats=stats, **opts),
        check_exact=False, rtol=1e-12)
    # the atlas methods pass the engine on
    pd.testing.assert_frame_equal(atlas.near("deposits", "rail", km=50),
                                  atlas.near("deposits", "rail", km=50, **opts))


def test_dask_engine_reads_geoparquet_lazily(client, tmp_path):
    pts = synth.points(3000, seed=4).reset_index(drop=True)
    lines = synth.lines(200)
    folder = tmp_path / "pts"
    folder.mkdir()
    for k in range(3):
        pts.iloc[k * 1000:(k + 1) * 1000].to_parquet(folder / f"part-{k}.parquet")
    got = query.nearest(str(folder), lines, engine="dask", client=client)
    want = query.nearest(pts, lines)
    assert got["nearest_id"].tolist() == want["nearest_id"].tolist()
    assert np.array_equal(got["distance_km"].to_numpy(), want["distance_km"].to_numpy())
    out = query.near(str(folder), lines, km=10, engine="dask", client=client,
                     out=tmp_path / "hits")
    written = pd.concat([pd.read_parquet(p) for p in sorted(out.glob("*.parquet"))])
    assert len(written) == len(query.near(pts, lines, km=10))


def test_engine_errors():
    pts = synth.points(10)
    with pytest.raises(geoatlas.QueryError, match="unknown engine 'spark'; engines: memory"):
        query.near(pts, pts, km=1, engine="spark")
    with pytest.raises(geoatlas.QueryError, match="client need engine='dask'"):
        query.near(pts, pts, km=1, client="tcp://nowhere:8786")


# -- the size budget -------------------------------------------------------------------
def _measure(ws) -> tuple[int, int]:
    """Bytes of the whole page and of the occurrences layer, as the build would write."""
    from geoatlas.render.web import make_map

    atlas = geoatlas.open(ws)
    m = make_map(atlas, load_recipe(atlas, "occurrences"))
    sizes = websize.layer_bytes(m.spec)
    return len(m.html.encode()), sizes[m.spec["layers"][-1]["id"]]


@pytest.fixture(scope="module")
def budget_ws(tmp_path_factory):
    ws = synth.make_workspace(tmp_path_factory.mktemp("budget") / "ws", synth.points(8000))
    return ws, *_measure(ws)


def _with_recipe(ws, old, new):
    recipe = ws / "maps" / "occurrences.toml"
    text = recipe.read_text()
    recipe.write_text(text.replace(old, new, 1))
    return recipe, text


def test_size_budget_fails_with_the_layers_and_options(budget_ws, tmp_path):
    ws, total, layer = budget_ws
    budget = (total - 0.3 * layer) / 1e6
    recipe, text = _with_recipe(ws, 'extent = "fit"', f'extent = "fit"\nmax_html_mb = {budget}')
    out = tmp_path / "out"
    try:
        with pytest.raises(geoatlas.OutputError) as err:
            build(geoatlas.open(ws), ["occurrences"], out, ["web"])
    finally:
        recipe.write_text(text)
    msg = str(err.value)
    assert msg.startswith("maps/occurrences.toml: the web map would be")
    assert f"over max_html_mb = {budget:g}" in msg
    assert re.search(r"occurrences\s+8,000 features\s+[0-9.]+ MB  \(compact\)", msg)
    assert re.search(r"drop popup/tooltip field\(s\) \w+.* of layer 'occurrences' \(saves", msg)
    assert re.search(r"a 'where' filter keeping at most [0-9,]+ of the 8,000 features", msg)
    assert not out.exists() or not list(out.glob("*.html"))  # nothing half-written


def test_size_budget_suggests_compact(tmp_path):
    ws = synth.make_workspace(tmp_path / "ws", synth.points(600), compact=True)
    total, _ = _measure(ws)  # compact: the page as it would fit
    recipe, _ = _with_recipe(ws, 'extent = "fit"',
                             f'extent = "fit"\nmax_html_mb = {(total + 20_000) / 1e6}')
    recipe.write_text(recipe.read_text().replace("compact = true", "compact = false"))
    with pytest.raises(geoatlas.OutputError, match=r"compact = true on layer 'occurrences'"):
        build(geoatlas.open(ws), ["occurrences"], tmp_path / "out", ["web"])


def test_size_budget_fits_and_reports(budget_ws, tmp_path, caplog):
    ws, total, _ = budget_ws
    recipe, text = _with_recipe(ws, 'extent = "fit"',
                                f'extent = "fit"\nmax_html_mb = {2 * total / 1e6}')
    try:
        with caplog.at_level("INFO", logger="geoatlas.render.websize"):
            build(geoatlas.open(ws), ["occurrences"], tmp_path, ["web"])
    finally:
        recipe.write_text(text)
    assert re.search(r"occurrences\s+8,000 features", caplog.text)
    assert (tmp_path / "occurrences.html").stat().st_size == total


@pytest.mark.parametrize(("line", "message"), [
    ('compact = "yes"', "'compact' must be true or false, not 'yes'"),
    ("simplify = -3", "'simplify' must be a distance in metres >= 0"),
])
def test_recipe_scale_keys_are_checked(budget_ws, line, message):
    recipe = budget_ws[0] / "maps" / "occurrences.toml"
    text = recipe.read_text()
    recipe.write_text(text.replace('popup = [', f'{line}\npopup = ['))
    try:
        with pytest.raises(geoatlas.RecipeError, match=message):
            load_recipe(geoatlas.open(budget_ws[0]), "occurrences")
    finally:
        recipe.write_text(text)


# -- the browser -----------------------------------------------------------------------
@pytest.mark.browser
def test_100k_points_open_and_a_click_shows_the_popup(tmp_path, out_dir):
    gdf = synth.points(100_000, seed=9)
    gdf.loc[gdf.index[50_000], "name"] = HOSTILE
    ws = synth.make_workspace(tmp_path / "ws", gdf)
    atlas = geoatlas.open(ws)
    html = build(atlas, ["occurrences"], tmp_path / "out", ["web"])[0]
    assert html.stat().st_size < 6e6
    target = gdf.iloc[50_000]
    with offline_page() as (page, log):
        page.goto(html.as_uri())
        page.wait_for_function("window.geoatlas && window.geoatlas.layers.every("
                               "e => !e.compact || e.compact.drawnAt !== null)", timeout=60_000)
        assert page.evaluate("window.geoatlas.layers[0].compact.drawnCount") > 50_000
        xy = page.evaluate("""([lat, lon]) => {
            const g = window.geoatlas;
            g.map.setView([lat, lon], 15, {animate: false});
            const p = g.map.latLngToContainerPoint([lat, lon]);
            const r = g.map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top];
        }""", [target.geometry.y, target.geometry.x])
        settle(page)
        page.mouse.click(xy[0], xy[1])
        popup = page.locator(".leaflet-popup-content .ga-popup[data-feature]")
        popup.wait_for()
        assert page.inner_text(".ga-popup[data-feature] h3") == HOSTILE  # text, not HTML
        text = popup.inner_text()
        assert target["commodity"] in text and "Sources" in text.title()
        page.mouse.move(xy[0] + 1, xy[1])
        page.locator(".ga-tip").filter(has_text=target["commodity"]).wait_for()
        # the browser formats numbers like the Python popups
        values = [0.0, 12.0, 19.6, 1234.5, 3e9, 150e6, 805000, 1e-05, 2.5e-07, 1e21]
        js = page.evaluate("(vs) => vs.map(v => [window.GeoAtlasCompact.pyFloat(v), "
                           "'$' + window.GeoAtlasCompact.compactNumber(v)])", values)
        from geoatlas.render.webformat import money

        assert js == [[compact.display_text("n", v), money(v)] for v in values]
        # search finds compact features
        page.fill(".ga-search input", target["name"][:12])
        assert page.locator(".ga-results li").count() >= 1
        page.screenshot(path=str(out_dir / "compact-100k.png"))
        assert page.evaluate("window.__pwned") is None
        assert log["console_errors"] == [] and log["page_errors"] == [], log
        assert log["requests"] == []
