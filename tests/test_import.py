"""``geoatlas import``: edits made to a built GeoPackage come back as minimal CSV diffs.

The default workspace is copied into a temporary git repository and built once (QGIS
output only); each test edits a fresh copy of the GeoPackage — in real QGIS (PyQGIS,
through a layer's edit buffer: ``tests/qgis_edit.py``), with pyogrio (GDAL) and with
SQL — runs ``geoatlas import`` and reads ``git diff`` of the workspace.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from geoatlas.cli import cli
from geoatlas.origin import BUILD_TABLE, ORIGIN_TABLE
from tests.conftest import REPO
from tests.test_export import validate_geopackage
from tests.test_qgis import SYSTEM_PYTHON, _pyqgis_missing, _system_env

RECIPE = "afghanistan-minerals"
EDIT_SCRIPT = Path(__file__).with_name("qgis_edit.py")


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=True)
    return done.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(workspace, GeoPackage): the default workspace in a git repo, built once."""
    root = tmp_path_factory.mktemp("import") / "ws"
    for d in ("geo", "layers", "maps"):
        shutil.copytree(REPO / d, root / d)
    (root / ".gitignore").write_text("/out/\n", encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "base")
    result = CliRunner().invoke(cli, ["build", str(root), "--map", RECIPE, "--only", "qgis",
                                      "--out", str(root / "out")])
    assert result.exit_code == 0, result.output
    return root, root / "out" / f"{RECIPE}.gpkg"


@pytest.fixture
def ws(built, tmp_path) -> tuple[Path, Path]:
    """A clean workspace and a fresh copy of the built GeoPackage to edit."""
    root, gpkg = built
    _git(root, "checkout", "-q", "--", ".")
    edited = tmp_path / "edited.gpkg"
    shutil.copyfile(gpkg, edited)
    return root, edited


def _import(gpkg: Path, root: Path, *options: str):
    return CliRunner().invoke(cli, ["import", str(gpkg), str(root), *options])


def _diff(root: Path) -> list[str]:
    """The changed lines of the workspace: '-old' / '+new', without the diff headers."""
    out = _git(root, "diff", "-U0", "--no-color", "--", "geo", "layers")
    return [line for line in out.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def _line(root: Path, path: str, ident: str) -> str:
    for line in (root / path).read_text(encoding="utf-8").splitlines():
        if line.startswith(ident + ","):
            return line
    raise KeyError(ident)


def _qgis_edit(gpkg: Path, edits: list[dict], tmp_path: Path) -> None:
    missing = _pyqgis_missing()
    if missing:
        if os.environ.get("GEOATLAS_REQUIRE_CLIENTS") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    spec = tmp_path / "edits.json"
    spec.write_text(json.dumps(edits), encoding="utf-8")
    done = subprocess.run([SYSTEM_PYTHON, str(EDIT_SCRIPT), str(gpkg), str(spec)],
                          capture_output=True, text=True, timeout=300, env=_system_env())
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


# -- the origin record --------------------------------------------------------------------------
def test_build_records_the_origin_of_every_feature(built):
    root, gpkg = built
    layers = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert ORIGIN_TABLE not in layers and BUILD_TABLE not in layers  # hidden from QGIS/GDAL
    with sqlite3.connect(gpkg) as db:
        meta = dict(db.execute(f"SELECT key, value FROM {BUILD_TABLE}"))
        origin = db.execute(f"SELECT layer, path, line FROM {ORIGIN_TABLE} "
                            "WHERE gpkg_table = 'deposits' AND row_id = 'mes-aynak'").fetchall()
        n = db.execute(f"SELECT count(*) FROM {ORIGIN_TABLE} WHERE gpkg_table = 'deposits'")
        n_origin = n.fetchone()[0]
    db.close()
    assert meta["workspace"] == "ws" and meta["recipe"] == RECIPE
    assert len(meta["build_id"]) == 16
    line = next(i for i, text in enumerate((root / "layers/deposits.csv").read_text(
        encoding="utf-8").splitlines(), start=1) if text.startswith("mes-aynak,"))
    assert origin == [("deposits", "layers/deposits.csv", line)]
    assert n_origin == len(pyogrio.read_dataframe(gpkg, layer="deposits", read_geometry=False))
    validate_geopackage(gpkg)


def test_unedited_geopackage_imports_nothing(ws):
    root, gpkg = ws
    result = _import(gpkg, root)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "no changes"
    assert _diff(root) == []


def test_not_a_geoatlas_geopackage(ws, tmp_path):
    root, _ = ws
    other = tmp_path / "other.gpkg"
    import geopandas as gpd
    import shapely

    gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(1, 2)], crs=4326).to_file(other)
    result = _import(other, root)
    assert result.exit_code == 1
    assert "written by `geoatlas build`" in result.output
    assert "Traceback" not in result.output


# -- edits in QGIS --------------------------------------------------------------------------------
@pytest.mark.qgis
def test_qgis_edits_come_back_as_one_line_each(ws, tmp_path):
    root, gpkg = ws
    before = {i: _line(root, "layers/deposits.csv", i) for i in ("mes-aynak", "hajigak")}
    _qgis_edit(gpkg, [
        {"table": "deposits", "id": "mes-aynak", "move": [69.32, 34.25]},
        {"table": "deposits", "id": "hajigak", "set": {"name": "Haji Gak"}},
        {"table": "deposits", "id": "hajigak", "set": {"contract_value_usd": 5}},
        {"table": "rail", "id": "hairatan-mazar-e-sharif", "move_vertex": [0, 67.5, 37.3]},
        {"table": "deposits", "at": [62.2, 34.35],
         "add": {"id": "my-deposit", "name": "My Deposit", "commodities": "copper;gold",
                 "province": "Herat", "country": "AFG", "location_quality": "approximate",
                 "coord_source": "efsas-2023", "source_ids": "efsas-2023",
                 "notes": "Where the point comes from."}},
    ], tmp_path)
    result = _import(gpkg, root)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("deposits: 1 moved (mes-aynak, 2.8 km), 1 added (my-deposit), "
                        "1 attribute changed (hajigak.name Hajigak → Haji Gak)")
    assert lines[1].startswith("deposits: not written back: hajigak.contract_value_usd is "
                               "derived by the build")
    assert lines[2].startswith("rail: not written back: hairatan-mazar-e-sharif: geometry "
                               "edited, but rail geometry is built from `nodes`")
    assert lines[3] == "wrote layers/deposits.csv"
    moved = before["mes-aynak"].replace(",34.2691,69.3009,", ",34.25,69.32,")
    renamed = before["hajigak"].replace("hajigak,Hajigak,", "hajigak,Haji Gak,")
    assert _diff(root) == [
        "-" + before["mes-aynak"], "-" + before["hajigak"], "+" + moved, "+" + renamed,
        "+my-deposit,My Deposit,,copper;gold,Herat,AFG,34.35,62.2,approximate,efsas-2023,"
        ",,,efsas-2023,Where the point comes from.",
    ]
    once = _git(root, "diff")
    again = _import(gpkg, root)  # the same file a second time changes nothing
    assert again.exit_code == 0, again.output
    assert "nothing to write" in again.output
    assert again.output.splitlines()[0].startswith("deposits: not written back")
    assert _git(root, "diff") == once


@pytest.mark.qgis
def test_point_moved_out_of_its_country_is_refused(ws, tmp_path):
    root, gpkg = ws
    _qgis_edit(gpkg, [{"table": "deposits", "id": "mes-aynak", "move": [59.0, 45.0]}], tmp_path)
    result = _import(gpkg, root)
    assert result.exit_code == 1
    assert "deposits: feature mes-aynak: point (lat 45.0, lon 59.0) lies in" in result.output
    assert "nothing was imported" in result.output
    assert _diff(root) == []


# -- edits with GDAL (pyogrio) and SQL ---------------------------------------------------------
def _append_deposit(gpkg: Path, **values) -> None:
    import geopandas as gpd
    import shapely

    row = {"id": "new-copper", "name": "New copper", "commodities": "copper",
           "province": "Logar", "country": "AFG", "location_quality": "approximate",
           "coord_source": "efsas-2023", "source_ids": "efsas-2023"} | values
    frame = gpd.GeoDataFrame({k: [v] for k, v in row.items()},
                             geometry=[shapely.Point(69.2, 34.1)], crs=4326)
    pyogrio.write_dataframe(frame, gpkg, layer="deposits", append=True)


def _sql(gpkg: Path, statement: str, *args) -> None:
    db = sqlite3.connect(gpkg)
    with db:
        db.execute(statement, args)
    db.close()


def test_gdal_and_sql_edits_dry_run_then_import(ws):
    root, gpkg = ws
    _append_deposit(gpkg)
    _sql(gpkg, "UPDATE contracts SET value_usd = 3500000000 WHERE id = 'mes-aynak-mcc-jcl'")
    _sql(gpkg, "UPDATE events SET description = ? WHERE id = 'hairatan-mazar-opened-2011'",
         'Hairatan-Mazar-e Sharif railway opens, "75 km"')
    contract = _line(root, "layers/contracts.csv", "mes-aynak-mcc-jcl")
    event = _line(root, "layers/events.csv", "hairatan-mazar-opened-2011")
    dry = _import(gpkg, root, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[:3] == [
        "contracts: 1 attribute changed (mes-aynak-mcc-jcl.value_usd 3000000000 → 3500000000)",
        "deposits: 1 added (new-copper)",
        "events: 1 attribute changed (hairatan-mazar-opened-2011.description Hairatan-Mazar-e "
        'Sharif railway opens → Hairatan-Mazar-e Sharif railway opens, "75 km")',
    ]
    assert "+++ b/layers/contracts.csv" in dry.output
    assert dry.output.rstrip().endswith("dry run: nothing was written.")
    assert _diff(root) == []
    result = _import(gpkg, root)
    assert result.exit_code == 0, result.output
    assert _diff(root) == [
        "-" + contract,
        "+" + contract.replace(",3000000000,", ",3500000000,"),
        "+new-copper,New copper,,copper,Logar,AFG,34.1,69.2,approximate,efsas-2023,,,,"
        "efsas-2023,",
        "-" + event,
        "+" + event.replace(",Hairatan-Mazar-e Sharif railway opens,",
                            ',"Hairatan-Mazar-e Sharif railway opens, ""75 km""",'),
    ]


def test_new_row_without_sources_is_refused_with_its_id(ws):
    root, gpkg = ws
    _sql(gpkg, "UPDATE contracts SET notes = 'Renamed' WHERE id = 'mes-aynak-mcc-jcl'")
    _append_deposit(gpkg, id="no-source", source_ids="")
    result = _import(gpkg, root)
    assert result.exit_code == 1
    assert "deposits: feature no-source: 'source_ids' is empty; it is required" in result.output
    assert "Traceback" not in result.output
    assert _diff(root) == []  # the valid rename is not written either


def _unreferenced_deposit(root: Path) -> str:
    """A deposit no other file of the workspace mentions (safe to delete)."""
    others = "".join(p.read_text(encoding="utf-8") for d in ("geo", "layers")
                     for p in sorted((root / d).glob("*.csv")) if p.name != "deposits.csv")
    lines = (root / "layers/deposits.csv").read_text(encoding="utf-8").splitlines()[1:]
    free = [line.split(",")[0] for line in lines if line.split(",")[0] not in others]
    assert free, "every deposit is referenced elsewhere"
    return free[0]


def test_deleted_rows_need_allow_delete(ws):
    root, gpkg = ws
    ident = _unreferenced_deposit(root)
    _sql(gpkg, "DELETE FROM deposits WHERE id = ?", ident)
    line = _line(root, "layers/deposits.csv", ident)
    kept = _import(gpkg, root)
    assert kept.exit_code == 0, kept.output
    assert kept.output.splitlines()[0] == ("deposits: 1 deleted in the GeoPackage, kept (use "
                                          f"--allow-delete to remove) ({ident})")
    assert _diff(root) == []
    removed = _import(gpkg, root, "--allow-delete")
    assert removed.exit_code == 0, removed.output
    assert removed.output.splitlines()[0] == f"deposits: 1 deleted ({ident})"
    assert _diff(root) == ["-" + line]


def test_deleting_a_row_others_refer_to_is_refused(ws):
    root, gpkg = ws
    _sql(gpkg, "DELETE FROM deposits WHERE id = 'mes-aynak'")  # contracts point at it
    result = _import(gpkg, root, "--allow-delete")
    assert result.exit_code == 1
    assert "mes-aynak" in result.output and "layers/contracts.csv:" in result.output
    assert "nothing was imported" in result.output
    assert _diff(root) == []
