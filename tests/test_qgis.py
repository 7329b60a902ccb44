"""QGIS outputs: the GeoPackage and the .qgz, checked by SQLite, GDAL and real QGIS.

The tests marked ``qgis`` run Debian's PyQGIS headless (``/usr/bin/python3
tests/qgis_probe.py``) on the repository's recipes and compare what QGIS reports with
the style spec; they skip with a reason when PyQGIS is missing, and fail instead under
``GEOATLAS_REQUIRE_CLIENTS=1`` (as in CI). ``GEOATLAS_QGIS_PYTHON`` names another interpreter
than ``/usr/bin/python3``. Everything is written to temporary folders.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoatlas.ogr import ogr_frame
from geoatlas.recipe import load_recipe, recipe_names
from geoatlas.render import qgis
from geoatlas.render.prepare import prepare
from tests.clients import need
from tests.test_export import _cells, read_quietly, validate_geopackage

SYSTEM_PYTHON = os.environ.get("GEOATLAS_QGIS_PYTHON", "/usr/bin/python3")
PROBE = Path(__file__).with_name("qgis_probe.py")
GEOMETRY_TYPES = {"point": "POINT", "line": "LINESTRING", "polygon": "MULTIPOLYGON"}


def _system_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _pyqgis_missing() -> str | None:
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found"
    done = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True,
                          text=True, timeout=120, env=_system_env())
    if done.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot import qgis.core (apt-get install python3-qgis)"
    return None


@pytest.fixture(scope="module")
def built(atlas, tmp_path_factory):
    """Every recipe of the repository written by the QGIS renderer, with its inputs."""
    folder = tmp_path_factory.mktemp("qgis")
    out = {}
    for name in recipe_names(atlas.root):
        recipe = load_recipe(atlas, name)
        layers = prepare(atlas, recipe)
        paths = qgis.write(atlas, recipe, layers, folder, formats=("png",), dpi=72)
        out[name] = (recipe, layers, tuple(paths[:2]), tuple(paths[2:]))
    return out


@pytest.fixture(scope="module")
def probed(built, tmp_path_factory):
    """What real QGIS reports for each recipe's project and GeoPackage (one run each)."""
    missing = _pyqgis_missing()
    if missing:
        need(missing)
    folder = tmp_path_factory.mktemp("qgis-probe")
    reports = {}
    for name, (_, layers, (gpkg, qgz), _) in built.items():
        tables = ",".join(qgis.table_names(layers))
        form = "geoatlas_deposits:mes-aynak" if "deposits" in tables.split(",") else ""
        done = subprocess.run(
            [SYSTEM_PYTHON, str(PROBE), str(qgz),
             "--layout-png", str(folder / f"{name}-layout.png"),
             "--gpkg", str(gpkg), "--tables", tables,
             "--layout-pdf", str(folder / f"{name}-layout.pdf"),
             "--dates", ",".join(DATES), "--form", form],
            capture_output=True, text=True, timeout=600, env=_system_env())
        assert done.returncode == 0, done.stderr[-3000:]
        reports[name] = json.loads(done.stdout)
    return reports


DATES = ("2010-01-01", "2025-01-01")
"""Two dates the time slider is set to: fewer rail links were running in 2010."""


def _by_id(report: dict) -> dict[str, dict]:
    return {layer["id"]: layer for layer in report["layers"]}


# -- without QGIS: the files themselves ----------------------------------------------------------
def test_write_makes_the_named_files(built):
    for name, (recipe, _, paths, rasters) in built.items():
        assert [p.name for p in paths] == [f"{name}.gpkg", f"{name}.qgz"]
        assert [p.name for p in rasters if p.suffix == ".tif"] == [
            f"{name}-{o.product}.tif" for o in recipe.overlays]
        assert all(p.is_file() for p in (*paths, *rasters))


def test_geopackage_contents(built):
    for _, layers, (gpkg, _), _ in built.values():
        with sqlite3.connect(gpkg) as db:
            assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
            assert db.execute("PRAGMA user_version").fetchone()[0] == 10200
            contents = {r[0]: r[1:] for r in db.execute(
                "SELECT table_name, data_type, srs_id, identifier FROM gpkg_contents")}
            columns = {r[0]: r[1:] for r in db.execute(
                "SELECT table_name, column_name, geometry_type_name, srs_id "
                "FROM gpkg_geometry_columns")}
        for table, prepared in zip(qgis.table_names(layers), layers):
            assert contents[table][:2] == ("features", 4326)
            assert contents[table][2] == prepared.spec.title
            kind = prepared.spec.style.geometry
            assert columns[table][1:] == (GEOMETRY_TYPES[kind], 4326), table
        for table in (*qgis.TABLES, qgis.CITATIONS, qgis.STYLE_TABLE):
            assert contents[table][0] == "attributes", table
            assert table not in columns
        extra = set(contents) - {*qgis.table_names(layers), *qgis.TABLES, qgis.CITATIONS,
                                 qgis.STYLE_TABLE}
        # the basemap under the map and the status periods for the time slider
        assert all(t in ("countries", "basemap_countries") or t.endswith("_periods")
                   for t in extra), extra
        assert all(contents[t][0] == "features" for t in extra)


def test_layer_styles_are_what_qgis_applies(built):
    for _, layers, (gpkg, _), _ in built.values():
        with sqlite3.connect(gpkg) as db:
            rows = db.execute(
                "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "useAsDefault, styleQML FROM layer_styles ORDER BY id").fetchall()
            spatial = [r[0] for r in db.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' "
                "ORDER BY rowid")]
        assert [r[2] for r in rows][:len(layers)] == qgis.table_names(layers)
        assert sorted(r[2] for r in rows) == sorted(spatial)  # every feature table styled
        for catalog, schema, table, geom, default, qml in rows:
            assert (catalog, schema, default) == ("", "", 1), table  # '' not NULL: pitfall
            assert geom == pyogrio.read_info(gpkg, layer=table)["geometry_name"]
            doc = ET.fromstring(qml.split("\n", 1)[1])
            assert doc.tag == "qgis" and doc.find("renderer-v2") is not None


def test_geopackage_round_trips_every_layer(built, atlas):
    for _, layers, (gpkg, _), _ in built.values():
        for table, prepared in zip(qgis.table_names(layers), layers):
            back = read_quietly(gpkg, layer=table)
            want = ogr_frame(prepared.frame)
            assert list(back.columns.drop(back.geometry.name)) == list(
                want.columns.drop(want.geometry.name))
            for col in want.columns.drop(want.geometry.name):
                assert _cells(back[col], False) == _cells(want[col], False), (table, col)
            got = back.geometry.to_numpy()
            expected = want.geometry.to_numpy()
            if prepared.spec.style.geometry == "polygon":
                expected = np.array([g if g.geom_type.startswith("Multi")
                                     else shapely.multipolygons([g]) for g in expected])
            assert shapely.equals_exact(got, expected, tolerance=0).all(), table
        for table in qgis.TABLES:
            back = read_quietly(gpkg, layer=table, read_geometry=False)
            want = ogr_frame(atlas[table])
            assert list(back.columns) == list(want.columns)
            for col in want.columns:
                assert _cells(back[col], False) == _cells(want[col], False), (table, col)


def test_citations_table_carries_the_quoted_sentences(built, atlas):
    # QGIS users see the sentence a claim rests on, as the web popups show it
    _, _, (gpkg, _), _ = built["afghanistan-minerals"]
    back = read_quietly(gpkg, layer=qgis.CITATIONS, read_geometry=False)
    assert list(back.columns) == ["layer", "feature_id", "source_id", "quote"]
    got = {(r.layer, r.feature_id, r.source_id): r.quote for r in back.itertuples()}
    checked = 0
    for r in atlas["citations"].itertuples():
        key = (r.table, r.row_id, r.source_id)
        if key in got:
            assert r.quote.strip() in got[key], key
            checked += 1
    assert checked > 50
    assert sum(pd.isna(q) for q in got.values()) > 0  # documents cited as a whole stay empty


def test_geopackage_validates(built):
    for _, _, (gpkg, _), _ in built.values():
        validate_geopackage(gpkg)


def _qgs(qgz: Path) -> ET.Element:
    with zipfile.ZipFile(qgz) as zf:
        assert zf.namelist() == [qgz.with_suffix(".qgs").name]
        text = zf.read(zf.namelist()[0]).decode("utf-8")
    assert text.startswith("<!DOCTYPE qgis")
    return ET.fromstring(text.split("\n", 1)[1])


def test_project_references_the_geopackage_relatively(built):
    for name, (recipe, layers, (_, qgz), _) in built.items():
        doc = _qgs(qgz)
        sources = [e.find("datasource").text for e in doc.iter("maplayer")
                   if e.get("type") == "vector"]
        assert sources and all(s.startswith(f"./{name}.gpkg|layername=") for s in sources)
        online = [e.find("datasource").text for e in doc.iter("maplayer")
                  if e.find("provider").text == "wms"]
        assert len(online) == len(recipe.basemaps)  # the recipe's XYZ basemaps
        assert doc.find("properties/SpatialRefSys/ProjectionsEnabled").text == "1"
        assert doc.find("properties/Paths/Absolute").text == "false"
        crs = doc.find("projectCrs/spatialrefsys")
        assert crs.find("wkt").text and crs.find("proj4").text
        assert doc.find("title").text == recipe.title
        for maplayer in doc.iter("maplayer"):
            spatial = maplayer.get("geometry") not in ("No geometry", None)
            assert (maplayer.find("renderer-v2") is not None) == spatial  # pitfall: repeat it
        order = [e.text for e in doc.find("layer-tree-group/custom-order")]
        top_first = [qgis.layer_id(t) for t in reversed(qgis.table_names(layers))]
        assert order[:len(top_first)] == top_first


def test_outputs_are_deterministic(built, atlas, tmp_path):
    for name, (recipe, layers, paths, _) in built.items():
        again = qgis.write(atlas, recipe, layers, tmp_path / name)
        for first, second in zip(paths, again[:2]):
            assert first.read_bytes() == second.read_bytes(), first.name


# -- real QGIS ---------------------------------------------------------------------------------
@pytest.mark.qgis
def test_project_opens_with_every_layer_valid(built, probed, atlas):
    for name, (recipe, layers, _, _) in built.items():
        report = probed[name]
        assert report["read"], name
        assert report["title"] == recipe.title
        found = _by_id(report)
        for table, prepared in zip(qgis.table_names(layers), layers):
            layer = found[qgis.layer_id(table)]
            assert layer["valid"], layer.get("error")
            assert layer["feature_count"] == len(prepared.frame), table
            assert layer["crs"] == "EPSG:4326"
            if not prepared.spec.where and not recipe.as_of:
                catalog = atlas[prepared.name]
                assert layer["feature_count"] == int(catalog.geometry.notna().sum())
        for table in qgis.TABLES:
            layer = found[qgis.layer_id(table)]
            assert layer["valid"] and not layer["spatial"]
            assert layer["feature_count"] == len(atlas[table])
        assert all(layer["valid"] for layer in report["layers"])


@pytest.mark.qgis
def test_project_crs_extent_groups_and_order(built, probed):
    for name, (recipe, layers, _, _) in built.items():
        report = probed[name]
        crs = report["crs"]
        assert crs["valid"] and not crs["geographic"]  # pitfall: needs the full definition
        assert report["ellipsoid"] == "EPSG:7030"  # measurements on WGS 84
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # to_dict(): "may lose information"
            expected = qgis.project_crs(recipe, layers).to_dict()
        proj = dict(p.lstrip("+").split("=", 1) for p in crs["proj"].split() if "=" in p)
        assert proj["proj"] == expected["proj"] == "lcc"
        for key in ("lat_0", "lon_0", "lat_1", "lat_2"):
            assert float(proj[key]) == pytest.approx(expected[key]), key
        xmin, ymin, xmax, ymax = report["default_extent"]
        assert xmax > xmin and ymax > ymin and xmin < 0 < xmax  # centred on the region
        top_first = [qgis.layer_id(t) for t in reversed(qgis.table_names(layers))]
        assert report["tree"]["has_custom_order"]
        assert report["tree"]["layer_order"][:len(top_first)] == top_first
        groups = {g["name"]: g["layers"] for g in report["tree"]["groups"]}
        assert set(groups) - {"Status over time", "Basemap"} == (
            {p.spec.group for p in layers} | {o.group for o in recipe.overlays} | {"Tables"})
        assert [n["visible"] for n in groups.get("Status over time", [])] == [
            False] * len(groups.get("Status over time", []))
        for table, prepared in zip(qgis.table_names(layers), layers):
            node = next(n for n in groups[prepared.spec.group]
                        if n["id"] == qgis.layer_id(table))
            assert node["visible"] == prepared.spec.visible


def _expected_renderer(prepared) -> tuple[str, str | None, list[tuple[str, str]]]:
    style, frame = prepared.spec.style, prepared.frame
    if style.color_by and style.color_by in frame:
        return "categorizedSymbol", style.color_by, style.categories(frame)
    if style.dash_by and style.dash_by in frame:
        values = sorted({v for v in frame[style.dash_by].dropna() if v != ""})
        return "categorizedSymbol", style.dash_by, [(v, style.color) for v in values]
    return "singleSymbol", None, []


@pytest.mark.qgis
def test_renderers_and_categories_follow_the_style_spec(built, probed):
    for name, (_, layers, _, _) in built.items():
        found = _by_id(probed[name])
        for table, prepared in zip(qgis.table_names(layers), layers):
            layer = found[qgis.layer_id(table)]
            kind, attr, categories = _expected_renderer(prepared)
            assert (layer["renderer"], layer["attr"]) == (kind, attr), table
            got = [(c["value"], c["color"]) for c in layer["categories"] if c["value"] != ""]
            if prepared.spec.style.color_by:
                assert got == [(v, c.lower()) for v, c in categories], table
            else:
                assert sorted(v for v, _ in got) == [v for v, _ in categories], table
            if any(c["value"] == "" for c in layer["categories"]):  # the 'no value' class
                assert (prepared.frame[attr].isna() | (prepared.frame[attr] == "")).any()
            assert layer["labels"] == bool(prepared.spec.label or prepared.spec.style.label)
            assert layer["halo"] == layer["labels"], table  # labels read over any symbol


def _same(a, b) -> bool:
    if isinstance(b, float):
        return a == pytest.approx(b, abs=2e-3)
    if isinstance(b, str) and ";" in b:
        return a == pytest.approx([float(x) for x in b.split(";")], abs=2e-3)
    return a == b


@pytest.mark.qgis
def test_every_feature_is_drawn_as_the_spec_says(built, probed):
    """Static symbol values overridden by the evaluated data-defined ones, per feature."""
    for name, (_, layers, _, _) in built.items():
        found = _by_id(probed[name])
        for table, prepared in zip(qgis.table_names(layers), layers):
            features = found[qgis.layer_id(table)]["features"]
            assert len(features) == len(prepared.symbols)
            kind = prepared.spec.style.geometry
            for feature, symbol in zip(features, prepared.symbols):
                want = qgis.qgis_values(symbol, kind)
                got = feature["values"]
                assert got is not None, (table, feature["fid"])
                assert got["units"] == "MM"
                for key, value in want.items():
                    assert _same(got[key], value), (table, feature["fid"], key, got[key], value)


@pytest.mark.qgis
def test_geopackage_layers_open_with_their_default_style(built, probed):
    for name, (_, layers, _, _) in built.items():
        report = probed[name]
        in_project = _by_id(report)
        direct = {layer["name"]: layer for layer in report["gpkg_layers"]}
        for table in qgis.table_names(layers):
            layer, project_layer = direct[table], in_project[qgis.layer_id(table)]
            assert layer["valid"], layer.get("error")
            for key in ("renderer", "attr", "categories", "labels", "feature_count"):
                assert layer[key] == project_layer[key], (table, key)


@pytest.mark.qgis
def test_relations_are_polymorphic_on_layer_and_id(built, probed):
    for name, (_, layers, _, _) in built.items():
        relations = {r["id"]: r for r in probed[name]["relations"]}
        assert relations and all(r["valid"] for r in relations.values())
        if "deposits" in qgis.table_names(layers):
            rel = next(r for r in relations.values()
                       if r["referenced"] == qgis.layer_id("deposits")
                       and r["referencing"] == qgis.layer_id("contracts"))
            assert rel["pairs"] == [["asset_id", "id"]]
        if "countries" in qgis.table_names(layers):  # countries are named by iso3
            rel = next(r for r in relations.values()
                       if r["referenced"] == qgis.layer_id("countries"))
            assert rel["pairs"] == [["asset_id", "iso3"]]


@pytest.mark.qgis
def test_rendered_png_is_not_blank(built, probed):
    from PIL import Image

    for name in built:
        png = probed[name]["layout_export"]["png"]  # the project's own print layout
        assert png["ok"], png
        image = np.asarray(Image.open(png["path"]).convert("RGB"), dtype=float)
        assert image.shape[0] > 600 and image.shape[1] > 800
        assert image.std() > 10  # not one flat colour
        colours = len(np.unique(image.reshape(-1, 3)[::7], axis=0))
        assert colours > 50, colours  # symbols, labels, legend: many colours


# -- relations in the GeoPackage itself (OGC Related Tables) -----------------------------------
def test_related_tables_extension_matches_the_data(built, atlas):
    _, _, (gpkg, _), _ = built["afghanistan-minerals"]
    with sqlite3.connect(gpkg) as db:
        rels = db.execute("SELECT base_table_name, related_table_name, mapping_table_name "
                          "FROM gpkgext_relations").fetchall()
        ext = {r[0] for r in db.execute(
            "SELECT table_name FROM gpkg_extensions WHERE extension_name = 'related_tables'")}
        pairs = {m: db.execute(f'SELECT base_id, related_id FROM "{m}"').fetchall()
                 for _, _, m in rels}
    assert {m for _, _, m in rels} | {"gpkgext_relations"} == ext
    assert all(pairs.values())  # only links that have rows
    names = {(b, r) for b, r, _ in rels}
    assert ("deposits", "contracts") in names and ("contracts", "events") in names
    assert ("deposits", "sources") in names
    # events are keyed on layer AND id: rail events map only to rail rows
    events = read_quietly(gpkg, layer="events", read_geometry=False)
    rail = read_quietly(gpkg, layer="rail")
    mapping = next(m for b, r, m in rels if (b, r) == ("rail", "events"))
    for base, related in pairs[mapping]:
        row = events.iloc[related - 1]
        assert row["subject_layer"] == "rail"
        assert row["subject_id"] == rail.iloc[base - 1]["id"]
    expected = atlas["events"]
    expected = expected[(expected["subject_layer"] == "rail")
                        & expected["subject_id"].isin(set(rail["id"]))]
    assert len(pairs[mapping]) == len(expected)


# -- map tips: values are text, names cannot leave the [% %] block -----------------------------
HOSTILE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                  max_size=12) | st.sampled_from([
                      "[% 7*7 %]", "%]", "<b>x</b>", "a\"b", "it's", "\\", "50%", "{{ 7*7 }}",
                      "=HYPERLINK(\"x\")", "$x$", "\u202eevil", "\n", "&amp;"])
NAME = HOSTILE.filter(lambda n: n.strip() != "" and n.lower() != "fid")


@pytest.mark.qgis
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases=st.lists(st.lists(st.tuples(NAME, HOSTILE), min_size=1, max_size=4,
                               unique_by=lambda c: c[0].lower()),
                      min_size=25, max_size=25))
def test_map_tip_shows_names_and_values_literally_in_qgis(cases, tmp_path_factory):
    """Random field names and values through the map-tip generator, evaluated by QGIS."""
    missing = _pyqgis_missing()
    if missing:
        need(missing)
    from geoatlas.render.qgis import expr

    payload = [{"names": [n for n, _ in case], "values": [v for _, v in case],
                "tip": expr.map_tip([n for n, _ in case])} for case in cases]
    folder = tmp_path_factory.mktemp("tips")
    (folder / "cases.json").write_text(json.dumps(payload), encoding="utf-8")
    done = subprocess.run([SYSTEM_PYTHON, str(PROBE), "--tips", str(folder / "cases.json")],
                          capture_output=True, text=True, timeout=300, env=_system_env())
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout)["tips"]
    for case, shown in zip(payload, got):
        esc = [_html(v) for v in case["values"]]
        want = "<br>".join(
            f"<b>{v}</b>" if i == 0 else f"{expr.template_text(n.replace('_', ' '))}: {v}"
            for i, (n, v) in enumerate(zip(case["names"], esc)))
        assert shown == want, case


@pytest.mark.qgis
def test_map_tip_marks_unquoted_citations_only(tmp_path):
    """A feature citing a source without a quote gets an "unquoted" line; a quoted one not."""
    missing = _pyqgis_missing()
    if missing:
        need(missing)
    from geoatlas.render.qgis import expr

    tip = expr.map_tip(["name"], unquoted="unquoted_sources")
    hostile = "ref-a;<b>x</b> [% 6*7 %]"
    payload = [{"names": ["name", "unquoted_sources"], "values": v, "tip": tip}
               for v in (["Mes Aynak", hostile], ["Quoted", ""], ["Also quoted", None])]
    (tmp_path / "cases.json").write_text(json.dumps(payload), encoding="utf-8")
    done = subprocess.run([SYSTEM_PYTHON, str(PROBE), "--tips", str(tmp_path / "cases.json")],
                          capture_output=True, text=True, timeout=300, env=_system_env())
    assert done.returncode == 0, done.stderr[-3000:]
    marked, quoted, null = json.loads(done.stdout)["tips"]
    assert marked == (f'<b>Mes Aynak</b><br><i title="{expr.UNQUOTED_TIP}">unquoted: '
                      f"{_html(hostile)}</i>")
    assert quoted == "<b>Quoted</b>" and null == "<b>Also quoted</b>"


def _html(text: str) -> str:
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                         ("'", "&#39;")):
        text = text.replace(char, entity)
    return text


# -- the cartographer's project -----------------------------------------------------------------
@pytest.mark.qgis
def test_mes_aynak_form_opens_cleanly_and_names_its_contract(probed, atlas):
    form = probed["afghanistan-minerals"]["form"]
    assert form["found"] and form["display"] == "Mes Aynak"
    noisy = [m for m in form["messages"] if "relation" in m["message"].lower()]
    assert noisy == []
    assert not [t for t in form["labels"] if "relation is not valid" in t.lower()
                or "failed to create widget" in t.lower()]
    contracts = [r for r in form["related"] if r["child"] == qgis.layer_id("contracts")]
    want = atlas["contracts"]
    want = want[(want["asset_layer"] == "deposits") & (want["asset_id"] == "mes-aynak")]
    assert sorted(r["id"] for r in contracts) == sorted(want["id"])
    for r in contracts:  # nested forms list contracts by name, not by id
        assert r["display"] != r["id"] and r["display"].startswith(
            want.set_index("id").loc[r["id"], "company"])
    events = [r for r in form["related"] if r["child"] == qgis.layer_id("events")]
    ev = atlas["events"]
    assert sorted(r["id"] for r in events) == sorted(
        ev[(ev["subject_layer"] == "contracts") & ev["subject_id"].isin(want["id"])]["id"])
    cited = {r["display"] for r in form["related"] if r["child"] == qgis.layer_id("citations")
             and r["relation"].endswith("Deposits")}
    src = atlas["sources"].set_index("id")
    ids = atlas["deposits"].set_index("id").loc["mes-aynak", "source_ids"].split(";")
    assert cited == {src.loc[i, "title"] for i in ids}


@pytest.mark.qgis
def test_print_layout_exports_a_non_blank_pdf(probed, tmp_path):
    from PIL import Image

    for name, report in probed.items():
        layouts = report["cartography"]["layouts"]
        assert layouts, name
        items = layouts[0]["items"]
        for kind in ("QgsLayoutItemMap", "QgsLayoutItemLegend", "QgsLayoutItemScaleBar",
                     "QgsLayoutItemLabel", "QgsLayoutItemPicture"):
            assert items.get(kind), (name, kind)
        assert items["QgsLayoutItemMap"] == 2  # the map and its inset
        texts = layouts[0]["texts"]
        recipe = load_recipe_by_title(report["title"])
        assert recipe.title in texts  # the title, shown literally
        pdf = report["layout_export"]["pdf"]
        assert pdf["ok"]
        png = tmp_path / f"{name}"
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", pdf["path"], str(png)],
                       check=True, timeout=120)
        image = np.asarray(Image.open(f"{png}.png").convert("RGB"), dtype=float)
        assert image.std() > 10 and len(np.unique(image.reshape(-1, 3), axis=0)) > 50


@pytest.mark.qgis
def test_layout_furniture_keeps_off_the_symbols(built, probed):
    # The scale bar sat on Reko Diq and its label: furniture now takes the quiet corners
    from pyproj import CRS, Transformer

    for name in ("afghanistan-minerals", "regional-corridors"):
        _, layers, _, _ = built[name]
        layout = probed[name]["cartography"]["layouts"][0]
        boxes = layout["boxes"]
        mx, my, mw, mh = boxes["map"]
        xmin, ymin, xmax, ymax = boxes["map:extent"]
        to_map = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_wkt(layout["crs"]),
                                      always_xy=True)
        points = [g for p in layers if p.spec.visible
                  for g in p.frame.geometry if g is not None and g.geom_type == "Point"]
        x, y = to_map.transform([g.x for g in points], [g.y for g in points])
        page_x = mx + (np.asarray(x) - xmin) / (xmax - xmin) * mw
        page_y = my + (ymax - np.asarray(y)) / (ymax - ymin) * mh
        inside_map = (page_x > mx) & (page_x < mx + mw) & (page_y > my) & (page_y < my + mh)
        assert inside_map.sum() > 20, name  # the symbols were found on the page
        for item in ("scalebar", "north-arrow", "inset"):
            bx, by, bw, bh = boxes[item]
            assert mx <= bx and bx + bw <= mx + mw and my <= by and by + bh <= my + mh, (
                name, item, "outside the map frame")
            covered = inside_map & (page_x > bx) & (page_x < bx + bw) & (page_y > by) & (
                page_y < by + bh)
            assert not covered.any(), (name, item, int(covered.sum()))


@pytest.mark.qgis
def test_layout_legend_stays_on_the_page(probed, tmp_path):
    # a two-column legend of long labels once ran off the page's right edge
    from PIL import Image

    for name, report in probed.items():
        pdf = report["layout_export"]["pdf"]["path"]
        png = tmp_path / name
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", pdf, str(png)],
                       check=True, timeout=120)
        image = np.asarray(Image.open(f"{png}.png").convert("L"), dtype=float)
        margin = image[:, -int(60 * 6 / 25.4):]  # the page's last 6 mm
        assert margin.min() > 200, (name, "ink in the right margin")


def load_recipe_by_title(title: str):
    """The repository recipe with this title."""
    from geoatlas import open as open_atlas

    atlas = open_atlas()
    for name in recipe_names(atlas.root):
        recipe = load_recipe(atlas, name)
        if recipe.title == title:
            return recipe
    raise AssertionError(title)


@pytest.mark.qgis
def test_themes_bookmarks_and_metadata(built, probed):
    for name, (recipe, _, _, _) in built.items():
        carto = probed[name]["cartography"]
        assert recipe.title in carto["themes"]
        assert carto["bookmarks"][0].endswith("map extent") and len(carto["bookmarks"]) > 1
        for lid, meta in carto["metadata"].items():
            assert meta["title"].strip() and meta["abstract"].strip(), lid
            assert meta["attribution"].strip(), lid
            if meta["provider"] == "wms":  # online tiles: there, but off
                assert not meta["visible"], lid
        rasters = {lid: m for lid, m in carto["metadata"].items() if m["provider"] == "gdal"}
        assert len(rasters) == len(recipe.overlays)  # the raster products, styled
        for lid, meta in rasters.items():
            assert meta["valid"] and meta["raster_renderer"] == "singlebandpseudocolor", lid
        cited = [m for lid, m in carto["metadata"].items() if lid.startswith("geoatlas_")
                 and m["links"]]
        assert cited  # source documents as metadata links


@pytest.mark.qgis
def test_time_slider_shows_different_features_at_two_dates(probed):
    report = probed["afghanistan-minerals"]
    rail = report["temporal"][qgis.layer_id("rail_periods")]
    assert (rail["start"], rail["end"]) == ("valid_from", "valid_to")
    early, late = (rail["counts"][d] for d in DATES)
    assert early < late


def test_periods_replay_the_web_maps_statuses(built, atlas):
    """Each period row holds the status the atlas gives that feature on its start date."""
    _, _, (gpkg, _), _ = built["afghanistan-minerals"]
    periods = read_quietly(gpkg, layer="rail_periods")
    for col in ("valid_from", "valid_to"):
        periods[col] = pd.to_datetime(periods[col])
    dated = periods[periods["valid_from"].notna()]
    assert len(dated) > len(set(dated["id"]))  # some links change status over time
    for when in sorted(set(dated["valid_from"]))[:6]:
        world = atlas.as_of(when.date().isoformat())["rail"].set_index("id")["status"]
        rows = periods[(periods["valid_from"] <= when)
                       & (periods["valid_to"].isna() | (periods["valid_to"] > when))]
        for ident, status in zip(rows["id"], rows["status"]):
            assert world.get(ident) == status, (when, ident)


@pytest.mark.qgis
def test_gdal_reads_the_relations_from_the_geopackage_alone(probed):
    rels = probed["afghanistan-minerals"]["gdal"]["relationships"]
    pairs = {(r["left"], r["right"]) for r in rels.values()}
    assert ("deposits", "contracts") in pairs and ("contracts", "events") in pairs


@pytest.mark.qgis
def test_no_legend_label_is_a_raw_id_or_field_name(probed, atlas):
    import re

    snake = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)+$")
    ids = {str(i) for name in atlas.layers for i in atlas[name].get("id", [])}
    for name, report in probed.items():
        for label in report["cartography"]["layouts"][0]["legend_labels"]:
            assert label not in ids and not snake.match(label), (name, label)


HOSTILE_TITLE = "Mini [% 7*7 %] <b>&amp; 50%] {{ 7*7 }} $x$"
HOSTILE_NAME = "[% 6*7 %] <i>x</i> \"q\" 'a' & %]"


@pytest.mark.qgis
def test_hostile_text_stays_literal_in_layout_and_map_tip(mini_copy, tmp_path):
    """Recipe and data text reaches QGIS's layout labels and map tips as text only."""
    missing = _pyqgis_missing()
    if missing:
        need(missing)
    import geoatlas

    toml = mini_copy / "maps" / "mini.toml"
    text = toml.read_text(encoding="utf-8").replace('title = "Mini map"',
                                                    f"title = {json.dumps(HOSTILE_TITLE)}")
    text = text.replace('popup = ["name", "status"]',
                        'popup = ["name", "status"]\ntooltip = ["name", "status"]\nlabel = "name"')
    toml.write_text(text, encoding="utf-8")
    rail = mini_copy / "layers" / "rail.csv"
    quoted = '"' + HOSTILE_NAME.replace('"', '""') + '"'
    rail.write_text(rail.read_text(encoding="utf-8").replace("Hairatan–Mazar", quoted, 1),
                    encoding="utf-8")
    atlas = geoatlas.open(mini_copy)
    recipe = load_recipe(atlas, "mini")
    gpkg, qgz, *_ = qgis.write(atlas, recipe, prepare(atlas, recipe), tmp_path / "out")
    done = subprocess.run([SYSTEM_PYTHON, str(PROBE), str(qgz), "--gpkg", str(gpkg),
                           "--tip", "geoatlas_rail:hairatan-mazar"],
                          capture_output=True, text=True, timeout=600, env=_system_env())
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["title"] == HOSTILE_TITLE
    texts = report["cartography"]["layouts"][0]["texts"]
    assert HOSTILE_TITLE in texts and "49" not in " ".join(texts)
    # the mini rail link cites its fixture document without a quote: the tip says so
    from geoatlas.render.qgis.expr import UNQUOTED_TIP
    assert report["tip"] == (f"<b>{_html(HOSTILE_NAME)}</b><br>status: operating"
                             f'<br><i title="{UNQUOTED_TIP}">unquoted: fixture-doc</i>')
    assert report["cartography"]["bookmarks"][0] == f"{HOSTILE_TITLE}: map extent"


def test_a_dated_recipe_gets_an_as_of_theme_and_its_layout_follows_it(mini, tmp_path):
    import dataclasses
    import datetime as dt

    recipe = dataclasses.replace(load_recipe(mini, "mini"), as_of=dt.date(2012, 1, 1))
    layers = prepare(mini, recipe)
    _, qgz, *_ = qgis.write(mini, recipe, layers, tmp_path)
    doc = _qgs(qgz)
    themes = [p.get("name") for p in doc.iter("visibility-preset")]
    assert f"{recipe.title} (as of 2012-01-01)" in themes
    followed = {m.get("followPresetName") for m in doc.iter("LayoutItem")
                if m.get("type") == "65639" and m.get("followPreset") == "true"}
    assert followed == {f"{recipe.title} (as of 2012-01-01)"}


def test_geopackage_alone_opens_on_the_region(built):
    """A national map's GeoPackage spans its region, not the world (QGIS zooms to it)."""
    recipe, _, (gpkg, _), _ = built["afghanistan-minerals"]
    with sqlite3.connect(gpkg) as db:
        boxes = dict((r[0], r[1:]) for r in db.execute(
            "SELECT table_name, min_x, min_y, max_x, max_y FROM gpkg_contents "
            "WHERE data_type = 'features'"))
    ex0, ey0, ex1, ey1 = recipe.extent
    x0, y0, x1, y1 = boxes["countries"]
    assert x0 <= ex0 and y0 <= ey0 and x1 >= ex1 and y1 >= ey1  # the map is covered
    assert (x1 - x0) <= 4 * (ex1 - ex0) and (y1 - y0) <= 4 * (ey1 - ey0)  # not the world
    assert max(b[2] for b in boxes.values()) - min(b[0] for b in boxes.values()) < 90
