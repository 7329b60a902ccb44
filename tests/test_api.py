"""The public API: light import, one exception root, readable summaries."""

from __future__ import annotations

import subprocess
import sys

import pytest

import geoatlas


def test_import_is_light():
    code = ("import sys, geoatlas; heavy = [m for m in ('matplotlib', 'folium', 'rasterio', "
            "'branca', 'networkx') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_error_hierarchy():
    for cls in (geoatlas.ValidationError, geoatlas.RecipeError, geoatlas.QueryError):
        assert issubclass(cls, geoatlas.GeoatlasError) and issubclass(cls, ValueError)
    assert issubclass(geoatlas.WorkspaceError, FileNotFoundError)
    assert issubclass(geoatlas.OutputError, OSError)


def test_atlas_mapping_and_repr(mini):
    assert mini.layers == ["countries", "provinces", "places", "deposits", "belts", "rail",
                           "corridors", "pipelines"]
    assert mini.tables == ["contracts", "events", "trade", "sources", "citations"]
    assert repr(mini) == ("<Atlas 'mini': countries=249, provinces=1188, places=5, deposits=2, "
                          "belts=1, rail=3, corridors=1, pipelines=0>")
    assert mini["rail"] is mini.rail
    with pytest.raises(KeyError, match="no layer or table 'mines'; available: countries"):
        mini["mines"]
    assert str(mini.deposits.crs) == "EPSG:4326"


def test_deposit_knows_its_contracts_and_status(mini):
    row = mini.deposits.loc["copper-hill"]
    assert row["contract_ids"] == "copper-deal"
    assert row["companies"] == "Copper Co"
    assert row["contract_value_usd"] == 3e9
    assert row["status"] == "signed"
    assert row["primary_commodity"] == "copper"


def test_as_of_drops_what_did_not_exist_yet(mini):
    assert set(mini.as_of("2010-01-01").contracts["id"]) == {"copper-deal"}
    assert set(mini.as_of("2007-01-01").contracts["id"]) == set()
    assert list(mini.as_of("2016-06-01").corridors.index) == []
    assert list(mini.as_of("2018-01-01").corridors.index) == ["test-corridor"]
    # undated terminations are reported, not applied, in an as-of view
    iron = mini.as_of("2012-01-01").contracts.set_index("id").loc["oil-deal"]
    assert iron["status"] == "signed"
    assert "undated event (iron-ended) reports it terminated" in iron["status_note"]
    assert mini.contracts.set_index("id").loc["oil-deal", "status"] == "terminated"


def test_belt_width_is_geodesic(mini):
    import shapely

    from geoatlas.geometry import distance_to_km

    belt = mini.belts.loc["test-belt"].geometry
    # the middle of the axis is inside, and the outline is the half-width (40 km) away
    axis = shapely.LineString([(62.5, 34.3), (66.0, 34.8), (69.5, 35.3)])
    mid = axis.interpolate(0.5, normalized=True)
    assert belt.contains(mid)
    ring = shapely.get_exterior_ring(belt)
    d = distance_to_km(mid, ring)
    assert d == pytest.approx(40, rel=0.02)


# -- your own frames (issue 15) ----------------------------------------------------------
def _pits(**extra):
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame({"name": ["Pit <b>One</b>", "Pit Two"], **extra},
                            geometry=[shapely.Point(69.2, 34.3), shapely.Point(66.5, 34.6)],
                            crs="EPSG:4326").to_crs(32642)  # any CRS: reprojected


def test_query_methods_have_real_signatures():
    import inspect

    params = inspect.signature(geoatlas.Atlas.nearest).parameters
    assert list(params)[:7] == ["self", "layer", "to", "k", "max_km", "where", "filter"]
    for name in ("near", "nearest", "within", "intersects", "summarize", "route"):
        doc = getattr(geoatlas.Atlas, name).__doc__
        assert "Parameters\n" in doc and "Examples\n" in doc, name


def test_with_layer_puts_a_frame_on_a_recipe_map(mini):
    from geoatlas.render.web import render_html

    added = mini.with_layer("pits", _pits(), sources="fixture-doc",
                            style={"color": "#ff00aa", "radius": 9}, title="Open pits")
    assert "pits" not in mini.layers and "pits" in added.layers
    pits = added["pits"]
    assert list(pits.index) == ["0", "1"] and str(pits.crs) == "EPSG:4326"
    assert list(pits["source_ids"]) == ["fixture-doc"] * 2
    html = added.map("mini").render()
    assert "Open pits" in html and "#ff00aa" in html
    assert "Pit " in html and "Pit <b>One</b>" not in html  # escaped, never raw
    # the recipe's own layers are all still there, the added one on top
    recipe = added._recipe("mini")
    assert [s.layer for s in recipe.layers][-1] == "pits"
    assert "Open pits" not in render_html(mini, mini._recipe("mini"))


def test_with_layer_needs_citations_and_a_crs(mini):
    with pytest.raises(geoatlas.DataError) as exc:
        mini.with_layer("pits", _pits())
    assert [str(p) for p in exc.value.problems] == [
        f"<pits>: feature {i}: cites no source: give sources=... or a 'source_ids' column"
        for i in ("0", "1")]
    with pytest.raises(geoatlas.DataError, match="unknown source id"):
        mini.with_layer("pits", _pits(), sources=["no-such-doc"])
    with pytest.raises(geoatlas.DataError, match="has no CRS"):
        mini.with_layer("pits", _pits().set_crs(None, allow_override=True))
    with pytest.raises(geoatlas.DataError, match="this name is taken"):
        mini.with_layer("rail", _pits(), sources="fixture-doc")
    # new source rows can come with the frame
    added = mini.with_layer("pits", _pits(), sources=[{"id": "survey-2020",
                                                       "title": "A survey"}])
    assert "survey-2020" in set(added.sources["id"])


def test_map_accepts_a_recipe_dict(mini):
    m = mini.map({"name": "adhoc", "title": "Ad hoc", "layers": [{"layer": "deposits"}]})
    assert "Ad hoc" in m.render()
    with pytest.raises(geoatlas.RecipeError, match="unknown layer 'dposits'"):
        mini.map({"layers": [{"layer": "dposits"}]})


def test_repr_html_of_atlas_and_route(mini):
    html = mini._repr_html_()
    assert "<table>" in html and "fixture-doc" in html and "deposits" in html
    route = mini.route("hairatan", "mazar")
    assert route.length_km > 0
    html = route._repr_html_()
    assert "length:" in html and "<table" in html


@pytest.mark.browser
def test_one_off_map_of_a_plain_frame_opens_offline(tmp_path, out_dir):
    from tests.browser import offline_page

    path = tmp_path / "pits.html"
    geoatlas.map(_pits(), name="pits", title="Pits", out=path)
    html = path.read_text(encoding="utf-8")
    assert "Pit " in html and "Pit <b>One</b>" not in html  # escaped, never raw
    with offline_page() as (page, log):
        page.goto(path.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        assert page.evaluate("window.geoatlas.layers.length") == 1
        page.wait_for_timeout(1500)  # let the fit-bounds zoom settle
        page.screenshot(path=str(out_dir / "one-off-map.png"))
        assert log["console_errors"] == [] and log["page_errors"] == [], log
        assert log["requests"] == []
