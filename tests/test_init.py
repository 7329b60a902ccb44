"""``geoatlas init`` for any region, ``geoatlas.toml`` vocabularies, dropped-in layers.

Three regions are initialised, checked and built once per module (the Andes by country
codes, East Africa and the Arctic around Svalbard by bbox); Chromium opens each map with
the network cut off. A workspace that declares an invented commodity in its
``geoatlas.toml`` passes ``check`` and gets its colour on the web map, the static SVG
and the QGIS style.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

import geoatlas
from geoatlas import basemap, schema
from geoatlas.cli import cli
from geoatlas.workspace import validate
from tests.browser import offline_page, settle

ROOT = Path(__file__).resolve().parents[1]

REGIONS = {
    "andes": ["--countries", "CHL,PER", "--name", "Andes copper"],
    "east-africa": ["--bbox", "28,-12,52,16"],
    "svalbard": ["--bbox", "5,74,35,81"],
}
SCANDIUM = "#5b8c5a"


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    return result


@pytest.fixture(scope="module")
def regions(tmp_path_factory) -> dict[str, Path]:
    """Each region initialised and built (web, static, QGIS) once."""
    base = tmp_path_factory.mktemp("regions")
    out = {}
    for name, args in REGIONS.items():
        root = base / name
        result = run("init", str(root), *args)
        assert result.exit_code == 0, result.output
        out[name] = root
    return out


@pytest.mark.parametrize("name", list(REGIONS))
def test_init_check_and_build_pass_at_once(regions, name):
    root = regions[name]
    assert {p.name for p in root.iterdir()} == {"README.md", "geo", "geoatlas.toml",
                                               "layers", "maps"}
    result = run("check", str(root))
    assert result.exit_code == 0, result.output
    assert "OK: no problems found." in result.output
    result = run("build", str(root))
    assert result.exit_code == 0, result.output
    built = sorted(p.suffix for p in (root / "out").iterdir())
    assert built == [".gpkg", ".html", ".pdf", ".png", ".qgz", ".svg"]
    # the world is there, detailed around the region; the credit comes from the basemap
    atlas = geoatlas.open(root)
    w, s, e, n = atlas["countries"].total_bounds
    assert w < -179 and e > 179 and s < -85 and n > 83
    info = atlas.basemap_info
    assert info["credit"].startswith("Basemap: Natural Earth")
    svg = next((root / "out").glob("*.svg")).read_text()
    assert info["credit"].split(" (")[0] in svg


def test_regions_have_their_own_places_and_provinces(regions):
    andes = geoatlas.open(regions["andes"])
    assert {"santiago", "lima"} <= set(andes.places.index)
    assert set(andes.places["country"]) >= {"CHL", "PER"}
    # the Arctic crosses no capital: an empty gazetteer that still checks
    assert len(geoatlas.open(regions["svalbard"]).places) == 0
    readme = (regions["andes"] / "README.md").read_text()
    assert readme.startswith("# Andes copper\n") and "geoatlas check ." in readme
    recipe = (regions["andes"] / "maps" / "andes-copper.toml").read_text()
    assert 'title = "Andes copper"' in recipe


@pytest.mark.browser
@pytest.mark.parametrize("name", list(REGIONS))
def test_each_region_opens_offline_in_chromium(regions, name, out_dir):
    from tests.test_web import pixel_variance

    if not list((regions[name] / "out").glob("*.html")):  # when run without the test above
        assert run("build", str(regions[name]), "--only", "web").exit_code == 0
    html = next((regions[name] / "out").glob("*.html"))
    with offline_page() as (page, log):
        page.goto(html.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        settle(page)
        shot = out_dir / f"init-{name}.png"
        page.screenshot(path=str(shot))
        assert page.evaluate("typeof L") == "object"
        assert log["console_errors"] == [] and log["page_errors"] == [], log
        assert log["requests"] == []
    assert pixel_variance(shot) > 100


def test_init_refuses_bad_input_and_leaves_nothing(tmp_path):
    target = tmp_path / "ws"
    result = run("init", str(target), "--bbox", "10,5,1,2")
    assert result.exit_code == 2
    assert "west must be less than east" in result.output
    assert not target.exists()
    result = run("init", str(target))
    assert result.exit_code == 2 and "give the region" in result.output
    # a basemap without provinces is refused before anything is written
    bad = tmp_path / "bad.gpkg"
    world = gpd.GeoDataFrame({"iso3": ["AAA"], "name": ["A"]},
                             geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    world.to_file(bad, layer="countries")
    result = run("init", str(target), "--basemap", str(bad))
    assert result.exit_code == 1
    assert "no 'provinces' layer" in result.output
    assert not target.exists() and [p.name for p in tmp_path.iterdir()] == ["bad.gpkg"]
    # an existing, non-empty folder is never written into
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    result = run("init", str(target), "--bbox", "5,74,35,81")
    assert result.exit_code == 1 and "not empty" in result.output
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_init_with_an_analysts_provinces(tmp_path):
    prov = tmp_path / "prov.geojson"
    gpd.GeoDataFrame({"name": ["West Spitsbergen", "East Isles"]},
                     geometry=[shapely.box(10, 76, 20, 80.5), shapely.box(20, 76, 34, 81)],
                     crs=4326).to_file(prov)
    root = geoatlas.init_workspace(tmp_path / "ws", bbox="5,74,35,81", provinces=prov)
    atlas = geoatlas.open(root)
    assert list(atlas.provinces.index) == ["nor-east-isles", "nor-west-spitsbergen"]
    assert atlas.basemap_info["provinces_source"] == "analyst file prov.geojson"
    assert "layer = \"provinces\"" in (root / "maps" / "ws.toml").read_text()


# -- geoatlas.toml ------------------------------------------------------------------
DEPOSIT = ("{id},{name},,{commodities},,NOR,78.2,15.6,approximate,test-doc,,,,test-doc,"
           "Invented for the test.\n")


@pytest.fixture(scope="module")
def scandium(tmp_path_factory) -> Path:
    """A Svalbard workspace with a scandium deposit, declared in geoatlas.toml."""
    root = geoatlas.init_workspace(tmp_path_factory.mktemp("sc") / "ws", bbox="5,74,35,81")
    with open(root / "layers" / "sources.csv", "a", encoding="utf-8") as f:
        f.write("test-doc,An invented document for tests,geoatlas tests,,,unknown,,,"
                "reference,\n")
    with open(root / "layers" / "deposits.csv", "a", encoding="utf-8") as f:
        f.write(DEPOSIT.format(id="sc-hill", name="Scandium Hill", commodities="scandium"))
    return root


def test_undeclared_commodity_fails_then_declared_passes(scandium, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(scandium, bare)
    (bare / "geoatlas.toml").unlink()
    result = run("check", str(bare))
    assert result.exit_code == 1
    assert "layers/deposits.csv:2: 'commodities' has unknown value(s) scandium" in result.output
    config = (scandium / "geoatlas.toml").read_text()
    (scandium / "geoatlas.toml").write_text(config.replace(
        '# scandium = "#5b8c5a"', f'scandium = "{SCANDIUM}"'))
    result = run("check", str(scandium))
    assert result.exit_code == 0, result.output
    # the packaged vocabulary is untouched, and so is the default workspace
    assert "scandium" not in schema.vocabulary("commodities")
    assert geoatlas.open().catalog.config.commodities == {}


def test_declared_commodity_is_coloured_on_every_renderer(scandium):
    config = (scandium / "geoatlas.toml").read_text()
    if f'scandium = "{SCANDIUM}"' not in config:
        (scandium / "geoatlas.toml").write_text(config.replace(
            '# scandium = "#5b8c5a"', f'scandium = "{SCANDIUM}"'))
    result = run("build", str(scandium))
    assert result.exit_code == 0, result.output
    out = scandium / "out"
    html = (out / "ws.html").read_text()
    assert SCANDIUM in html and "scandium" in html
    svg = (out / "ws.svg").read_text().lower()
    assert SCANDIUM in svg and "scandium" in svg
    r, g, b = (int(SCANDIUM[i:i + 2], 16) for i in (1, 3, 5))
    with sqlite3.connect(out / "ws.gpkg") as db:
        qml = db.execute("SELECT styleQML FROM layer_styles WHERE f_table_name = 'deposits'"
                         ).fetchone()[0]
    assert f"{r},{g},{b}" in qml and "scandium" in qml


def test_config_problems_are_listed_at_once(tmp_path):
    root = geoatlas.init_workspace(tmp_path / "ws", bbox="5,74,35,81")
    (root / "geoatlas.toml").write_text(
        'nmae = "x"\n[vocabularies.commodities]\nscandium = "green"\n'
        '"Bad Word" = "#000000"\n[defaults]\nout = "../elsewhere"\nstatic_crs = "EPSG:4326"\n')
    result = run("check", str(root))
    assert result.exit_code == 1
    for text in ("geoatlas.toml: unknown key 'nmae' (did you mean 'name'?)",
                 "geoatlas.toml: vocabularies.commodities.scandium: colour 'green' is not "
                 "#rrggbb",
                 "geoatlas.toml: vocabularies.commodities: 'Bad Word' is not a lowercase",
                 "geoatlas.toml: defaults.out = '../elsewhere': give a folder inside",
                 "geoatlas.toml: defaults.static_crs = 'EPSG:4326': give a known projected"):
        assert text in result.output, result.output


def test_config_defaults_choose_output_folder_and_static_crs(tmp_path):
    root = geoatlas.init_workspace(tmp_path / "ws", bbox="5,74,35,81")
    (root / "geoatlas.toml").write_text(
        '[defaults]\nout = "maps-out"\nstatic_crs = "EPSG:32633"\n')
    result = run("build", str(root), "--only", "static", "--format", "svg")
    assert result.exit_code == 0, result.output
    svg = (root / "maps-out" / "ws.svg").read_text()
    assert "UTM zone 33N" in svg and not (root / "out").exists()


# -- dropped-in layers ----------------------------------------------------------------
def _two_layer_gpkg(path: Path, cite_b: bool) -> None:
    a = gpd.GeoDataFrame({"id": ["a-1", "a-2"], "source_ids": ["fixture-doc", "fixture-doc"]},
                         geometry=[shapely.Point(66, 34), shapely.Point(67, 34.5)], crs=4326)
    b = gpd.GeoDataFrame({"id": ["b-1", "b-2"]},
                         geometry=[shapely.box(66, 34, 66.5, 34.5), shapely.box(67, 35, 68, 36)],
                         crs=4326)
    if cite_b:
        b["source_ids"] = ["fixture-doc", ""]
    pyogrio.write_dataframe(a, path, layer="licences")
    pyogrio.write_dataframe(b, path, layer="blocks", append=False)


def test_two_layer_geopackage_gives_two_layers_and_needs_citations(mini_copy):
    gpkg = mini_copy / "layers" / "mining.gpkg"
    _two_layer_gpkg(gpkg, cite_b=False)
    catalog, problems = validate(mini_copy)
    assert {"mining.gpkg:licences", "mining.gpkg:blocks"} <= set(catalog.layers)
    messages = [str(p) for p in problems]
    assert messages == [
        f"layers/mining.gpkg:blocks: feature {i}: cites no source: add a 'source_ids' column "
        "(ids from layers/sources.csv) or a sidecar layers/mining.gpkg.sources citing the "
        "whole file" for i in ("b-1", "b-2")]
    # a sidecar citing the whole file covers the features that cite nothing themselves
    (gpkg.parent / "mining.gpkg.sources").write_text("# whole file\nfixture-doc\n")
    catalog, problems = validate(mini_copy)
    assert problems == []
    assert list(catalog.layers["mining.gpkg:blocks"]["source_ids"]) == ["fixture-doc"] * 2
    # an unknown id in the sidecar or a cell is named
    (gpkg.parent / "mining.gpkg.sources").write_text("fixture-dok\n")
    _, problems = validate(mini_copy)
    assert str(problems[0]).startswith(
        "layers/mining.gpkg.sources: unknown source id(s) fixture-dok (did you mean "
        "fixture-doc?)")


def test_single_layer_drop_in_keeps_its_file_name(mini_copy):
    path = mini_copy / "layers" / "licences.geojson"
    gpd.GeoDataFrame({"id": ["l-1"], "source_ids": ["no-such-doc"]},
                     geometry=[shapely.Point(66, 34)], crs=4326).to_file(path)
    catalog, problems = validate(mini_copy)
    assert "licences" in catalog.layers
    assert [str(p) for p in problems] == [
        "layers/licences.geojson: feature l-1: 'source_ids' refers to unknown source id(s) "
        "no-such-doc"]


def test_basemap_module_builds_any_region(tmp_path):
    path = basemap.build_basemap(tmp_path / "b.gpkg", countries="NZL")
    countries = gpd.read_file(path, layer="countries")
    assert set(countries.loc[countries["kind"] == "area", "iso3"]) >= {"KAS", "KAB"}
    labels = gpd.read_file(path, layer="country_labels")
    assert "KAS" not in set(labels["iso3"]) and "NZL" in set(labels["iso3"])
    nz = countries.set_index("iso3").loc["NZL"]
    assert nz["detail"] in ("full", "mixed")
    assert basemap.check_basemap(path) == []


def test_city_names_with_lost_letters_are_repaired_or_refused(tmp_path):
    """The geopandas copy of NE populated places stores Chișinău as 'Chi?in?u' (Latin-1)."""
    from geoatlas.basemap.sources import read_ne_cities
    from geoatlas.errors import DataError

    def cities(names):
        path = tmp_path / f"cities-{len(names)}.gpkg"
        gpd.GeoDataFrame({"name": names}, geometry=[shapely.Point(i, i) for i in
                                                    range(len(names))], crs=4326).to_file(path)
        return path

    got = read_ne_cities(cities(["Chi?in?u", "?saka", "Kabul"]))
    assert list(got["name"]) == ["Chișinău", "Osaka", "Kabul"]
    with pytest.raises(DataError) as err:
        read_ne_cities(cities(["Kabul", "Z?rich", "Bern", "B\ufffdrn"]))
    assert [p.message for p in err.value.problems] == [
        f"city name {n!r} has letters lost to the file's encoding; add its spelling to "
        "geoatlas.basemap.sources.CITY_NAME_REPAIRS" for n in ("B\ufffdrn", "Z?rich")]
    assert all(p.path == str(tmp_path / "cities-4.gpkg") for p in err.value.problems)


@pytest.mark.parametrize("path", ["geo/basemap.gpkg", "src/geoatlas/assets/world.gpkg"])
def test_shipped_basemaps_have_no_lost_letters(path):
    from geoatlas.basemap.file import NAMED_LAYERS

    full = ROOT / path
    assert basemap.check_basemap(full) == []
    for layer, _ in pyogrio.list_layers(full):
        if layer in NAMED_LAYERS:
            names = pyogrio.read_dataframe(full, layer=layer, read_geometry=False)["name"]
            assert not names.str.contains("[?\ufffd]", regex=True).any(), layer


def test_check_basemap_names_each_lost_letter(tmp_path):
    path = tmp_path / "b.gpkg"
    basemap.build_basemap(path, countries="NZL")
    cities = gpd.read_file(path, layer="cities")
    cities.loc[cities.index[2], "name"] = "Wellingt?n"
    pyogrio.write_dataframe(cities, path, layer="cities")
    assert basemap.check_basemap(path) == [
        "layer 'cities' feature 3: name 'Wellingt?n' has letters lost to a wrong encoding "
        "('?' or U+FFFD); write the name in UTF-8"]


# -- messages: missing documents, progress, quiet third-party logs ---------------------
def test_check_says_once_when_cited_documents_are_absent(tmp_path):
    root = geoatlas.init_workspace(tmp_path / "ws", bbox="5,74,35,81")
    with open(root / "layers" / "sources.csv", "a", encoding="utf-8") as f:
        f.write("paper,A paper,A publisher,,2024-01,month,paper.txt,,analysis,\n")
        f.write("brief,A brief,A publisher,,2024-02,month,brief.txt,,analysis,\n")
    result = run("check", str(root))
    assert result.exit_code == 0, result.output
    assert result.output.count("note: ") == 1
    assert "note: 2 cited document file(s) are not on this machine" in result.output
    (root / "sources").mkdir()
    for name in ("paper.txt", "brief.txt"):
        (root / "sources" / name).write_text("text")
    assert "note:" not in run("check", str(root)).output


def test_build_prints_each_output_and_keeps_third_party_logs_out_of_v(regions):
    import subprocess
    import sys

    root = regions["svalbard"]
    out = root / "out-progress"
    done = subprocess.run(
        [sys.executable, "-c", "from geoatlas.cli import main; main()", "-v", "build",
         str(root), "--out", str(out), "--only", "static", "--format", "pdf"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith(f"{out / 'svalbard.pdf'}") and lines[-1].startswith("built 1 ")
    assert "INFO: built svalbard in" in done.stderr  # our own -v log
    assert "pruned" not in done.stderr and "subset" not in done.stderr.lower()  # fontTools
    assert "\r[" not in done.stderr  # no progress bar when stderr is not a terminal


def test_basemap_from_a_natural_earth_source_file(tmp_path):
    """The full-source path (QGIS's world_map.gpkg layout), on a small invented copy."""
    src = tmp_path / "world_map.gpkg"
    west, east = shapely.box(-180, -90, 0, 90), shapely.box(0, -90, 180, 90)
    countries = gpd.GeoDataFrame(
        {"iso_a2": ["WW", "EE", "-1"], "NAME": ["West", "East", None],
         "FIPS_10_": ["WW", "EE", None], "ISO_A3": ["WWW", "EEE", None],
         "WB_A2": [None] * 3, "WB_A3": [None] * 3},
        geometry=[west.difference(shapely.box(-10, -10, 0, 10)), east,
                  shapely.box(-10, -10, 0, 10)], crs=4326)
    provinces = gpd.GeoDataFrame(
        {"iso_a2": ["WW", "WW", "EE", "-1"], "name": ["Alpha", "Alpha", "Beta", "Gap"],
         "fips": ["W1", "W2", "E1", None], "woe_label": [None, None, "Beta, EE", None],
         "woe_name": [None, None, "Beta Land", None], "sov_a3": ["WWW", "WWW", "EEE", "XGP"],
         "adm0_a3": ["WWW", "WWW", "EEE", "XGP"], "admin": ["West", "West", "East", "Gap Area"],
         "gu_a3": ["WWW", "WWW", "EEE", "XGP"], "gn_name": ["Alpha North", "Alpha South",
                                                            "Beta", None]},
        geometry=[shapely.box(-180, 0, 0, 90), shapely.box(-180, -90, 0, 0).difference(
            shapely.box(-10, -10, 0, 10)), east, shapely.box(-10, -10, 0, 10)], crs=4326)
    pyogrio.write_dataframe(countries, src, layer="countries")
    pyogrio.write_dataframe(provinces, src, layer="states_provinces", append=False)
    out = basemap.build_basemap(tmp_path / "b.gpkg", bbox="-20,-20,20,20", source=src)
    c = gpd.read_file(out, layer="countries").set_index("iso3")
    assert list(c.index) == ["EEE", "WWW", "XGP"]
    assert c.loc["XGP", "kind"] == "area" and not c.loc["XGP", "is_country"]
    p = gpd.read_file(out, layer="provinces")
    assert sorted(p["id"]) == ["eee-beta", "www-alpha-alpha-north", "www-alpha-alpha-south",
                               "xgp-gap"]
    assert p.set_index("id").loc["eee-beta", "alt_names"] == "Beta Land"
    info = basemap.read_info(out)
    assert info["provinces_source"] == "Natural Earth 1:10m Admin 1 - States, Provinces"
    assert len(info["source_sha256"]) == 64
