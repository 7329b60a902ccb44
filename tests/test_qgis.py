"""QGIS outputs: the GeoPackage and the .qgz, checked by SQLite, GDAL and real QGIS.

The tests marked ``qgis`` run Debian's PyQGIS headless (``/usr/bin/python3
tests/qgis_probe.py``) on the repository's recipes and compare what QGIS reports with
the style spec; they skip with a reason when PyQGIS is missing, and fail instead under
``GEOATLAS_REQUIRE_CLIENTS=1`` (as in CI). ``GEOATLAS_QGIS_PYTHON`` names another interpreter
than ``/usr/bin/python3``. The rendered PNGs stay in ``out/qgis/``.
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
import pyogrio
import pytest
import shapely

from geoatlas.export import ogr_frame
from geoatlas.recipe import load_recipe, recipe_names
from geoatlas.render import qgis
from geoatlas.render.prepare import prepare
from tests.test_export import _cells, read_quietly, validate_geopackage

SYSTEM_PYTHON = os.environ.get("GEOATLAS_QGIS_PYTHON", "/usr/bin/python3")
PROBE = Path(__file__).with_name("qgis_probe.py")
REQUIRE = os.environ.get("GEOATLAS_REQUIRE_CLIENTS") == "1"
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
        out[name] = (recipe, layers, paths)
    return out


@pytest.fixture(scope="module")
def probed(built, out_dir):
    """What real QGIS reports for each recipe's project and GeoPackage."""
    missing = _pyqgis_missing()
    if missing:
        if REQUIRE:
            pytest.fail(missing)
        pytest.skip(missing)
    (out_dir / "qgis").mkdir(exist_ok=True)
    reports = {}
    for name, (_, layers, (gpkg, qgz)) in built.items():
        png = out_dir / "qgis" / f"{name}.png"
        tables = ",".join(qgis.table_names(layers))
        done = subprocess.run(
            [SYSTEM_PYTHON, str(PROBE), str(qgz), "--png", str(png), "--gpkg", str(gpkg),
             "--tables", tables],
            capture_output=True, text=True, timeout=600, env=_system_env())
        assert done.returncode == 0, done.stderr[-3000:]
        reports[name] = json.loads(done.stdout)
    return reports


def _by_id(report: dict) -> dict[str, dict]:
    return {layer["id"]: layer for layer in report["layers"]}


# -- without QGIS: the files themselves ----------------------------------------------------------
def test_write_makes_the_named_files(built):
    for name, (_, _, paths) in built.items():
        assert [p.name for p in paths] == [f"{name}.gpkg", f"{name}.qgz"]
        assert all(p.is_file() for p in paths)


def test_geopackage_contents(built):
    for _, layers, (gpkg, _) in built.values():
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
        for table in (*qgis.TABLES, qgis.STYLE_TABLE):
            assert contents[table][0] == "attributes", table
            assert table not in columns
        assert set(contents) == {*qgis.table_names(layers), *qgis.TABLES, qgis.STYLE_TABLE}


def test_layer_styles_are_what_qgis_applies(built):
    for _, layers, (gpkg, _) in built.values():
        with sqlite3.connect(gpkg) as db:
            rows = db.execute(
                "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "useAsDefault, styleQML FROM layer_styles ORDER BY id").fetchall()
        assert [r[2] for r in rows] == qgis.table_names(layers)
        for catalog, schema, table, geom, default, qml in rows:
            assert (catalog, schema, default) == ("", "", 1), table  # '' not NULL: pitfall
            assert geom == pyogrio.read_info(gpkg, layer=table)["geometry_name"]
            doc = ET.fromstring(qml.split("\n", 1)[1])
            assert doc.tag == "qgis" and doc.find("renderer-v2") is not None


def test_geopackage_round_trips_every_layer(built, atlas):
    for _, layers, (gpkg, _) in built.values():
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


def test_geopackage_validates(built):
    for _, _, (gpkg, _) in built.values():
        validate_geopackage(gpkg)


def _qgs(qgz: Path) -> ET.Element:
    with zipfile.ZipFile(qgz) as zf:
        assert zf.namelist() == [qgz.with_suffix(".qgs").name]
        text = zf.read(zf.namelist()[0]).decode("utf-8")
    assert text.startswith("<!DOCTYPE qgis")
    return ET.fromstring(text.split("\n", 1)[1])


def test_project_references_the_geopackage_relatively(built):
    for name, (recipe, layers, (_, qgz)) in built.items():
        doc = _qgs(qgz)
        sources = [e.text for e in doc.iter("datasource")]
        assert sources and all(s.startswith(f"./{name}.gpkg|layername=") for s in sources)
        assert doc.find("properties/SpatialRefSys/ProjectionsEnabled").text == "1"
        assert doc.find("properties/Paths/Absolute").text == "false"
        crs = doc.find("projectCrs/spatialrefsys")
        assert crs.find("wkt").text and crs.find("proj4").text
        assert doc.find("title").text == recipe.title
        for maplayer in doc.iter("maplayer"):
            spatial = maplayer.get("geometry") != "No geometry"
            assert (maplayer.find("renderer-v2") is not None) == spatial  # pitfall: repeat it
        order = [e.text for e in doc.find("layer-tree-group/custom-order")]
        assert order == [qgis.layer_id(t) for t in reversed(qgis.table_names(layers))]


def test_outputs_are_deterministic(built, atlas, tmp_path):
    for name, (recipe, layers, paths) in built.items():
        again = qgis.write(atlas, recipe, layers, tmp_path / name)
        for first, second in zip(paths, again):
            assert first.read_bytes() == second.read_bytes(), first.name


# -- real QGIS ---------------------------------------------------------------------------------
@pytest.mark.qgis
def test_project_opens_with_every_layer_valid(built, probed, atlas):
    for name, (recipe, layers, _) in built.items():
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


@pytest.mark.qgis
def test_project_crs_extent_groups_and_order(built, probed):
    for name, (recipe, layers, _) in built.items():
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
        assert report["tree"]["layer_order"] == top_first
        groups = {g["name"]: g["layers"] for g in report["tree"]["groups"]}
        assert set(groups) == {p.spec.group for p in layers} | {"Tables"}
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
    for name, (_, layers, _) in built.items():
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


def _same(a, b) -> bool:
    if isinstance(b, float):
        return a == pytest.approx(b, abs=2e-3)
    if isinstance(b, str) and ";" in b:
        return a == pytest.approx([float(x) for x in b.split(";")], abs=2e-3)
    return a == b


@pytest.mark.qgis
def test_every_feature_is_drawn_as_the_spec_says(built, probed):
    """Static symbol values overridden by the evaluated data-defined ones, per feature."""
    for name, (_, layers, _) in built.items():
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
    for name, (_, layers, _) in built.items():
        report = probed[name]
        in_project = _by_id(report)
        direct = {layer["name"]: layer for layer in report["gpkg_layers"]}
        for table in qgis.table_names(layers):
            layer, project_layer = direct[table], in_project[qgis.layer_id(table)]
            assert layer["valid"], layer.get("error")
            for key in ("renderer", "attr", "categories", "labels", "feature_count"):
                assert layer[key] == project_layer[key], (table, key)


@pytest.mark.qgis
def test_relations_deposits_to_contracts(built, probed):
    for name, (_, layers, _) in built.items():
        relations = {r["id"]: r for r in probed[name]["relations"]}
        assert relations and all(r["valid"] for r in relations.values())
        if "deposits" in qgis.table_names(layers):
            rel = relations["deposits_contracts"]
            assert rel["referenced"] == qgis.layer_id("deposits")
            assert rel["referencing"] == qgis.layer_id("contracts")
            assert rel["pairs"] == [["asset_id", "id"]]


@pytest.mark.qgis
def test_rendered_png_is_not_blank(built, probed):
    from PIL import Image

    for name in built:
        png = probed[name]["png"]
        assert png["ok"], png
        image = np.asarray(Image.open(png["path"]).convert("RGB"), dtype=float)
        assert image.shape[0] > 600 and image.shape[1] > 800
        assert image.std() > 10  # not one flat colour
        colours = len(np.unique(image.reshape(-1, 3)[::7], axis=0))
        assert colours > 50, colours  # symbols, labels, legend: many colours
