"""`geoatlas check` finds every kind of broken input, at the right path:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geoatlas
from geoatlas.cli import cli
from geoatlas.errors import RecipeError
from geoatlas.recipe import parse_recipe
from geoatlas.workspace import validate


def problems_of(ws) -> list[str]:
    return [str(p) for p in validate(ws)[1]]


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_mini_fixture_is_clean(mini_copy):
    assert problems_of(mini_copy) == []


def test_missing_column(mini_copy):
    f = mini_copy / "layers" / "deposits.csv"
    edit(f, "location_quality,coord_source", "coord_source")
    lines = f.read_text().splitlines()
    f.write_text("\n".join(ln.replace(",approximate,", ",").replace(",admin_area,", ",")
                           for ln in lines) + "\n")
    probs = problems_of(mini_copy)
    assert any(p.startswith("layers/deposits.csv:1: missing column(s) location_quality")
               for p in probs), probs


def test_duplicate_id(mini_copy):
    f = mini_copy / "layers" / "deposits.csv"
    edit(f, "iron-valley,Iron Valley", "copper-hill,Iron Valley")
    assert "layers/deposits.csv:3: duplicate id 'copper-hill' (first on line 2)" in problems_of(
        mini_copy)


def test_dangling_references(mini_copy):
    edit(mini_copy / "layers" / "rail.csv", "hairatan;mazar", "hairatan;mazr")
    edit(mini_copy / "layers" / "contracts.csv", "deposits,copper-hill", "deposits,copper-hil")
    edit(mini_copy / "layers" / "trade.csv", "percent,17%,fixture-doc", "percent,17%,no-such-doc")
    probs = problems_of(mini_copy)
    assert ("layers/rail.csv:2: 'nodes' refers to unknown places id(s) mazr "
            "(did you mean mazar?)") in probs
    assert any(p.startswith("layers/contracts.csv:2: 'asset_id' = 'copper-hil' is not an id in "
                            "layers/deposits.csv (did you mean copper-hill") for p in probs)
    assert any(p.startswith("layers/trade.csv:2: 'source_ids' refers to unknown sources id(s) "
                            "no-such-doc") for p in probs)


def test_lat_lon_swapped(mini_copy):
    edit(mini_copy / "geo" / "places.csv", "AFG,34.5553,69.2075", "AFG,69.2075,34.5553")
    probs = problems_of(mini_copy)
    assert any(p.startswith("geo/places.csv:2: lat/lon look swapped") for p in probs), probs


def test_point_in_wrong_country(mini_copy):
    # Peshawar's coordinates, but stated to be in Afghanistan
    edit(mini_copy / "geo" / "places.csv", "city,PAK,34.0151", "city,AFG,34.0151")
    probs = problems_of(mini_copy)
    assert any(re.match(r"geo/places\.csv:6: point \(lat 34\.0151, lon 71\.5249\) lies in PAK, "
                        r"\d+ km outside its stated country AFG", p) for p in probs), probs


def test_point_in_wrong_province(mini_copy):
    edit(mini_copy / "layers" / "deposits.csv", "copper;gold,Logar", "copper;gold,Herat")
    probs = problems_of(mini_copy)
    assert any(re.match(r"layers/deposits\.csv:2: province 'Herat' is not|"
                        r"layers/deposits\.csv:2: point lies \d+ km outside its stated province",
                        p) for p in probs), probs


def test_bad_date(mini_copy):
    edit(mini_copy / "layers" / "events.csv", "2011-11-28,day", "2011-13-28,day")
    probs = problems_of(mini_copy)
    assert any(p.startswith("layers/events.csv:3: 'date': '2011-13-28' is not a real date")
               for p in probs), probs


def test_unknown_status(mini_copy):
    edit(mini_copy / "layers" / "rail.csv", "planned,,,,schematic", "plannned,,,,schematic")
    probs = problems_of(mini_copy)
    assert any(p.startswith("layers/rail.csv:4: 'status' = 'plannned' is not one of: rumored,")
               for p in probs), probs


def test_status_disagrees_with_events(mini_copy):
    f = mini_copy / "layers" / "contracts.csv"
    edit(f, "total investment,signed", "total investment,operating")
    probs = problems_of(mini_copy)
    assert ("layers/contracts.csv:2: status 'operating' disagrees with its latest event "
            "(copper-signed: 'signed'); make them agree") in probs


def test_invalid_polygon(mini_copy):
    bowtie = ('{"type":"FeatureCollection","features":[{"type":"Feature",'
              '"properties":{"id":"bowtie"},"geometry":{"type":"Polygon","coordinates":'
              '[[[66,34],[67,35],[67,34],[66,35],[66,34]]]}}]}')
    (mini_copy / "layers" / "licences.geojson").write_text(bowtie)
    probs = problems_of(mini_copy)
    assert any(p.startswith("layers/licences.geojson: feature bowtie: invalid geometry: "
                            "Self-intersection") for p in probs), probs


def test_bad_axis(mini_copy):
    edit(mini_copy / "layers" / "belts.csv", "62.5 34.3;", "62.5;")
    probs = problems_of(mini_copy)
    assert any(p.startswith("layers/belts.csv:2: 'axis': waypoint '62.5' is not 'lon lat'")
               for p in probs), probs


def test_empty_file(mini_copy):
    (mini_copy / "layers" / "trade.csv").write_text("")
    assert "layers/trade.csv:1: file is empty; it needs at least a header line" in problems_of(
        mini_copy)


def test_non_utf8_file(mini_copy):
    f = mini_copy / "geo" / "places.csv"
    f.write_bytes(f.read_bytes().replace(b"Mazar-i-Sharif", "Mazâr-i-Sharif".encode("latin-1")))
    probs = problems_of(mini_copy)
    assert any(p.startswith("geo/places.csv:3: not UTF-8 (byte 0xe2") for p in probs), probs


def test_wrong_cell_count(mini_copy):
    edit(mini_copy / "layers" / "trade.csv", "t1,AFG,CHN", "t1,AFG,CHN,extra")
    probs = problems_of(mini_copy)
    assert any(p.startswith("layers/trade.csv:2: 12 cells but the header has 11") for p in probs)


def test_every_problem_reported_at_once(mini_copy):
    edit(mini_copy / "layers" / "rail.csv", "planned,,,,schematic", "plannned,,,,schematic")
    edit(mini_copy / "layers" / "events.csv", "2011-11-28,day", "2011-13-28,day")
    edit(mini_copy / "layers" / "deposits.csv", "iron-valley,Iron", "copper-hill,Iron")
    with pytest.raises(geoatlas.ValidationError) as err:
        geoatlas.open(mini_copy)
    paths = {p.path for p in err.value.problems}
    # the renamed deposit also leaves its contract dangling: that is reported too
    assert paths == {"layers/rail.csv", "layers/events.csv", "layers/deposits.csv",
                     "layers/contracts.csv"}
    assert isinstance(err.value, ValueError) and isinstance(err.value, geoatlas.GeoatlasError)


def test_check_cli_exit_status_and_output(mini_copy):
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", str(mini_copy)])
    assert ok.exit_code == 0, ok.output
    assert "deposits        2  Point" in ok.output
    assert ok.output.rstrip().endswith("OK: no problems found.")
    edit(mini_copy / "layers" / "rail.csv", "planned,,,,schematic", "plannned,,,,schematic")
    bad = runner.invoke(cli, ["check", str(mini_copy)])
    assert bad.exit_code == 1
    assert bad.stdout.splitlines()[0].startswith("layers/rail.csv:4: 'status' = 'plannned'")


def test_not_a_workspace(tmp_path):
    with pytest.raises(geoatlas.WorkspaceError, match=r"missing folder\(s\) geo/, layers/, maps/"):
        geoatlas.open(tmp_path)
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not a geoatlas workspace" in result.output


def test_loader_keeps_every_row_in_order(mini):
    assert list(mini.deposits.index) == ["copper-hill", "iron-valley"]
    assert list(mini.rail.index) == ["hairatan-mazar", "termez-hairatan", "kabul-peshawar"]


def test_init_creates_a_valid_empty_workspace(tmp_path):
    from tests.conftest import REPO

    target = tmp_path / "new"
    result = CliRunner().invoke(cli, ["init", str(target), "--basemap",
                                      str(REPO / "geo" / "basemap.gpkg")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"created workspace {target}"
    assert validate(target)[1] == []
    header = (target / "layers" / "deposits.csv").read_text().splitlines()
    assert header[0].startswith("id,name,alt_names,commodities,province,country,lat,lon")


# -- recipes (issue 11): checked before anything is built, each problem at its line ------
BAD_RECIPE = """\
title = "t"
colour = "red"
link_fields = ["url"]

[[layers]]
layer = "rail"
where = "status == 'operational'"
popup = ["name",
  "nmae"]
[layers.style]
color = "#12345g"
palette = { operating = "rde" }

[[layers]]
layer = "deposits"
where = "name.__class__ == 0"
description = '''
layer = "x"
'''

[static]
crs = 4326
"""


def test_check_reports_recipe_problems_at_their_lines(mini_copy):
    (mini_copy / "maps" / "bad.toml").write_text(BAD_RECIPE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(mini_copy)])
    assert result.exit_code == 1
    located = [ln for ln in result.stdout.splitlines() if ln.startswith("maps/")]
    assert [ln.split(": ")[0] for ln in located] == [
        "maps/bad.toml:2", "maps/bad.toml:3", "maps/bad.toml:7", "maps/bad.toml:8",
        "maps/bad.toml:11", "maps/bad.toml:12", "maps/bad.toml:16", "maps/bad.toml:17",
        "maps/bad.toml:22"]
    text = "\n".join(located)
    assert "maps/bad.toml:2: unknown key 'colour'; allowed: title, subtitle" in text
    assert ("maps/bad.toml:7: [[layers]] #1 (rail): 'where' = \"status == 'operational'\": "
            "where expression at column 11 failed: no feature has status 'operational' "
            "(did you mean 'operating'?); values of status: operating, planned:") in text
    assert ("maps/bad.toml:8: [[layers]] #1 (rail): unknown field 'nmae' in 'popup' "
            "(did you mean 'name'?)") in text
    assert ("maps/bad.toml:11: [[layers]] #1 (rail): style.color: '#12345g' is not a colour: "
            "use #rrggbb or a CSS colour name") in text
    assert ("maps/bad.toml:12: [[layers]] #1 (rail): style.palette.operating: 'rde' is not a "
            "colour (did you mean 'red'?)") in text
    assert "maps/bad.toml:16: [[layers]] #2 (deposits): 'where' = " in text
    assert "maps/bad.toml:17: [[layers]] #2: unknown key 'description'" in text
    assert "maps/bad.toml:22: [static] crs: 4326 is not a projected CRS" in text
    assert ("maps/bad.toml:3: link_fields: no layer of this map has a field 'url'"
            in text)
    assert "9 problems found; nothing was built." in result.output
    assert [str(p).split(": ")[0] for p in geoatlas.open(mini_copy).check()] == [
        ln.split(": ")[0] for ln in located]


def test_check_reports_toml_syntax_at_its_line(mini_copy):
    (mini_copy / "maps" / "bad.toml").write_text('title = "t"\n\n[[layers]]\nlayer = rail\n')
    result = CliRunner().invoke(cli, ["check", str(mini_copy)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("maps/bad.toml:4: not valid TOML: ")


def test_recipe_syntax_is_checked_even_when_the_data_is_broken(mini_copy):
    edit(mini_copy / "layers" / "rail.csv", "planned,,,,schematic", "plannned,,,,schematic")
    edit(mini_copy / "maps" / "mini.toml", "where = \"iso3 == 'AFG'\"",
         "where = \"iso3 == 'AFG' and @x\"")
    result = CliRunner().invoke(cli, ["check", str(mini_copy)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(ln.startswith("layers/rail.csv:4: 'status' = 'plannned'") for ln in lines)
    assert ("maps/mini.toml:6: [[layers]] #1: 'where' = \"iso3 == 'AFG' and @x\": where "
            "expression does not parse at column 19 ('@' is not part of the where language "
            "(no variables)):") in lines


def test_bad_recipe_colour_fails_before_a_web_only_build(mini_copy, tmp_path):
    edit(mini_copy / "maps" / "mini.toml", 'dash_by = "status"\n',
         'dash_by = "status"\ncolor = "reddish"\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(mini_copy), "--only", "web",
                                      "--out", str(out)])
    assert result.exit_code == 1
    assert "maps/mini.toml:15: [[layers]] #2 (rail): style.color: 'reddish' is not a colour" \
        in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not list(out.glob("*.html"))


# random recipe data: every problem is a RecipeError (a message), never a traceback
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12),
                     st.floats(allow_nan=True), st.text(max_size=12),
                     st.sampled_from(["rail", "deposits", "status", "name", "#fff", "red",
                                      "status == 'operating'", "png", "fit", "layers"]))
_KEYS = st.sampled_from(["layer", "where", "style", "popup", "tooltip", "label", "color",
                         "palette", "size_classes", "visible", "title", "controls", "extent",
                         "static", "formats", "dpi", "crs", "size", "labels", "overlays",
                         "product", "weight", "layers", "compact", "simplify", "link_fields"])
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_random_recipes_raise_only_recipe_errors(mini, data):
    try:
        parse_recipe(data, "x", Path("maps/x.toml"), mini, text=None)
    except RecipeError as exc:
        assert exc.problems and all(p.path == "maps/x.toml" for p in exc.problems)


def test_size_classes_and_their_sizes_are_checked_together(mini_copy):
    edit(mini_copy / "maps" / "mini.toml", "size_classes = [0, 1e9]",
         "size_classes = [1e9, 0]\nsizes = [4, 6, 8]")
    result = CliRunner().invoke(cli, ["check", str(mini_copy)])
    assert result.exit_code == 1
    assert "maps/mini.toml:28: [[layers]] #4 (deposits): style.size_classes must ascend, " \
        "not [1000000000.0, 0]" in result.output
    assert "maps/mini.toml:29: [[layers]] #4 (deposits): style.sizes needs one entry per size " \
        "class (2), not 3" in result.output
