"""``geoatlas export``: every format round-trips, with pyogrio and with fiona."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from geoatlas.atlas import Atlas
from geoatlas.cli import cli
from geoatlas.errors import OutputError, QueryError
from geoatlas.export import FORMATS, export_frame, export_layer, shapefile_names
from geoatlas.ogr import ogr_frame
from geoatlas.workspace import Catalog
from tests.clients import need

ENGINES = ("pyogrio", "fiona")


# -- GeoPackage validation (shared with test_qgis) -------------------------------------------
def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:3] if p.isdigit())


def validator() -> Path | None:
    """gdal-utils' validate_gpkg.py, if its version is >= every GDAL that writes here."""
    spec = importlib.util.find_spec("osgeo_utils.samples.validate_gpkg")
    if spec is None or spec.origin is None:
        return None
    import osgeo_utils

    writers = [pyogrio.__gdal_version_string__]
    try:
        import fiona

        writers.append(fiona.__gdal_version__)
    except ImportError:
        pass
    if any(_version(osgeo_utils.__version__) < _version(w) for w in writers):
        return None
    return Path(spec.origin)


def validate_geopackage(path: Path) -> None:
    """Run validate_gpkg.py on ``path`` (skip, or fail under GEOATLAS_REQUIRE_CLIENTS=1)."""
    script = validator()
    if script is None:
        message = ("validate_gpkg.py >= the writing GDAL is not installed "
                   "(pip install gdal-utils; it runs without the osgeo bindings)")
        need(message)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([sys.executable, str(script), str(path)], capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def read_quietly(path: Path, **kwargs) -> gpd.GeoDataFrame:
    """Read with pyogrio; any GDAL warning (pyogrio re-issues them) fails the test."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # "error" would be swallowed by pyogrio's C handler
        frame = pyogrio.read_dataframe(path, **kwargs)
    assert [str(w.message) for w in caught] == []
    return frame


# -- a small frame with every awkward case -----------------------------------------------------
@pytest.fixture(scope="module")
def frame() -> gpd.GeoDataFrame:
    clockwise = shapely.Polygon([(66, 34), (66, 35), (67, 35), (67, 34)])  # wrong winding
    holed = shapely.Polygon([(60, 30), (64, 30), (64, 33), (60, 33)],
                            [[(61, 31), (61, 32), (62, 32), (62, 31)]])
    multi = shapely.MultiPolygon([shapely.Polygon([(70, 36), (71, 36), (71, 37)]),
                                  shapely.Polygon([(72, 36), (73, 36), (73, 37)])])
    return gpd.GeoDataFrame(
        {
            "id": ["cw", "holed", "multi"],
            "name": ["Hérat – “quoted”; semi", "Sar-e Pol", ""],
            "commodities": ["copper;gold", "", "lithium"],
            "modes": [("rail", "road"), (), ("sea",)],
            "status_since": [dt.date(2017, 11, 1), None, dt.date(2024, 6, 30)],
            "contract_value_usd": [2.9e9, np.nan, 0.0],
            "n_contracts": [2, 0, 1],
        },
        geometry=[clockwise, holed, multi], crs=4326, index=["cw", "holed", "multi"],
    )


@pytest.fixture(scope="module")
def atlas(frame, tmp_path_factory) -> Atlas:
    root = tmp_path_factory.mktemp("ws")
    points = gpd.GeoDataFrame({"id": ["a", "b"], "name": ["A", "B"]},
                              geometry=shapely.points([[69.2, 34.5], [62.2, 34.3]]), crs=4326,
                              index=["a", "b"])
    catalog = Catalog(root, {"belts": frame, "places": points},
                      {"sources": pd.DataFrame({"id": ["s1"], "title": ["S"]})})
    return Atlas(catalog)


def _suffix(fmt: str) -> str:
    return FORMATS[fmt][1]


def _read(path: Path, fmt: str) -> gpd.GeoDataFrame:
    if fmt == "parquet":
        return gpd.read_parquet(path)
    kwargs = {"datetime_as_string": True} if fmt == "geojson" else {}
    return read_quietly(path, **kwargs)


def _cells(series: pd.Series, blank_is_null: bool) -> list:
    out = []
    for v in series.tolist():
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            v = None
        elif isinstance(v, np.generic):
            v = v.item()
        if blank_is_null and v == "":
            v = None
        out.append(v)
    return out


def assert_round_trip(written: gpd.GeoDataFrame, back: gpd.GeoDataFrame, fmt: str) -> None:
    """Same rows, same attribute values, same geometries (to GeoJSON's 7 decimals)."""
    expected = ogr_frame(written)
    if fmt == "shp":
        expected = expected.rename(columns=shapefile_names(
            c for c in expected.columns if c != "geometry"))
    columns = [c for c in expected.columns if c != expected.geometry.name]
    assert [c for c in back.columns if c != back.geometry.name] == columns
    assert len(back) == len(expected)
    if fmt == "fgb":  # FlatGeobuf stores features in the order of its spatial index
        order = {v: i for i, v in enumerate(expected[columns[0]])}
        back = back.iloc[np.argsort([order[v] for v in back[columns[0]]], kind="stable")]
    for col in columns:
        # dBASE cannot tell an empty string from a missing one
        a = _cells(back[col], blank_is_null=fmt == "shp")
        b = _cells(expected[col], blank_is_null=fmt == "shp")
        assert a == pytest.approx(b) if all(isinstance(x, float) for x in b if x) else a == b, col
    tolerance = 1e-7 if fmt == "geojson" else 0.0
    got, want = back.geometry.to_numpy(), expected.geometry.to_numpy()
    assert shapely.equals_exact(shapely.normalize(_multi(got)), shapely.normalize(_multi(want)),
                                tolerance=tolerance).all()
    assert back.crs is not None and back.crs.to_epsg() == 4326


def _multi(geoms):
    return np.array([shapely.multipolygons([g]) if g.geom_type == "Polygon" else g
                     for g in geoms], dtype=object)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_round_trips(atlas, frame, tmp_path, fmt, engine):
    path = export_layer(atlas, "belts", tmp_path / f"belts{_suffix(fmt)}", fmt, engine=engine)
    assert path.exists()
    assert_round_trip(frame, _read(path, fmt), fmt)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_fiona_and_pyogrio_give_the_same_result(atlas, tmp_path, fmt):
    backs = []
    for engine in ENGINES:
        (tmp_path / engine).mkdir()
        path = export_layer(atlas, "belts", tmp_path / engine / f"b{_suffix(fmt)}", fmt,
                            engine=engine)
        backs.append(_read(path, fmt))
    a, b = backs
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"),
                                  check_dtype=False)  # same order too (fgb: index order)
    assert shapely.equals(a.geometry.to_numpy(), b.geometry.to_numpy()).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_geojson_is_rfc7946(atlas, tmp_path, engine):
    path = export_layer(atlas, "belts", tmp_path / "b.geojson", engine=engine)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in doc
    for feature in doc["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            assert poly.exterior.is_ccw, feature["properties"]["id"]  # right-hand rule
            assert all(not ring.is_ccw for ring in poly.interiors)
        lon, lat = shapely.get_coordinates(geom).T
        assert ((60 <= lon) & (lon <= 73)).all() and ((30 <= lat) & (lat <= 37)).all()
    assert doc["features"][0]["properties"]["modes"] == "rail;road"
    assert doc["features"][0]["properties"]["status_since"] == "2017-11-01"


@pytest.mark.parametrize("engine", ENGINES)
def test_gpkg_export_validates(atlas, tmp_path, engine):
    path = export_layer(atlas, "belts", tmp_path / "b.gpkg", engine=engine)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        assert db.execute("SELECT data_type, srs_id FROM gpkg_contents "
                          "WHERE table_name = 'belts'").fetchone() == ("features", 4326)
        assert db.execute("SELECT geometry_type_name FROM gpkg_geometry_columns "
                          "WHERE table_name = 'belts'").fetchone() == ("MULTIPOLYGON",)
    validate_geopackage(path)


def test_shapefile_names_are_short_and_unique():
    names = shapefile_names(["contract_value_usd", "contract_value_min", "id"])
    assert names == {"contract_value_usd": "contract_v", "contract_value_min": "contract_1",
                     "id": "id"}
    assert all(len(v) <= 10 for v in names.values())


def test_existing_file_is_kept_unless_overwrite(atlas, tmp_path):
    path = tmp_path / "p.geojson"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="--overwrite"):
        export_layer(atlas, "places", path)
    assert path.read_text(encoding="utf-8") == "old"
    export_layer(atlas, "places", path, overwrite=True)
    assert len(_read(path, "geojson")) == 2


def test_failed_write_leaves_the_old_file_and_no_temporary(atlas, tmp_path, monkeypatch):
    import geoatlas.export as export_module

    path = tmp_path / "p.gpkg"
    export_layer(atlas, "places", path)
    before = path.read_bytes()

    def boom(data, staged, *args):
        staged.write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_module, "_write", boom)
    with pytest.raises(OutputError, match="disk full"):
        export_layer(atlas, "places", path, overwrite=True)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.gpkg"]


def test_unknown_layer_format_and_engine_are_explained(atlas, tmp_path):
    with pytest.raises(QueryError, match="layers: belts, places"):
        export_layer(atlas, "sources", tmp_path / "x.gpkg")
    with pytest.raises(QueryError, match="pass one of: gpkg, geojson"):
        export_layer(atlas, "places", tmp_path / "x.kml")
    with pytest.raises(QueryError, match="engines"):
        export_frame(atlas["places"], tmp_path / "x.gpkg", engine="ogr2ogr")


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_export(mini, tmp_path, engine):
    out = tmp_path / "deposits.fgb"
    args = ["export", str(mini.root), "--layer", "deposits", "--format", "fgb", "--out",
            str(out), "--engine", engine]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    n = len(mini.deposits)
    assert result.output == (f"wrote {n} feature{'s' if n != 1 else ''} of 'deposits' to "
                             f"{out} (fgb, {engine})\n")
    assert_round_trip(mini.deposits, _read(out, "fgb"), "fgb")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1
    assert "exists; use --overwrite" in again.output
    assert CliRunner().invoke(cli, [*args, "--overwrite"]).exit_code == 0


def test_cli_export_unknown_layer(mini, tmp_path):
    result = CliRunner().invoke(cli, ["export", str(mini.root), "--layer", "nope",
                                      "--out", str(tmp_path / "x.geojson")])
    assert result.exit_code == 1
    assert "unknown layer 'nope'; layers:" in result.output
    assert not (tmp_path / "x.geojson").exists()
