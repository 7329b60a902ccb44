"""Issue 11 items 4, 6, 9, 10, 11, 12: paths, CSV formulas, errors, numbers, builds, speed.

Real processes where it matters: the kill test SIGKILLs a real build, the lock test runs
two real builds, the full-disk and read-only tests build onto a real tmpfs / read-only
mount in a private mount namespace (``unshare -m``; skipped where that is not allowed).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import geoatlas
from geoatlas import geodesic
from geoatlas.build import (
    JOURNAL_NAME,
    LOCK_NAME,
    STAGING_PREFIX,
    OutputLock,
    build,
    recover,
)
from geoatlas.cli import cli
from geoatlas.export import csv_safe
from geoatlas.schema import parse_number

from .conftest import tree_digest

GEOATLAS = str(Path(sys.executable).with_name("geoatlas"))


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args))


def outside_listing(root: Path) -> dict[str, str]:
    return tree_digest(root)


# -- item 4: every output path is confined to the output folder --------------------------
@pytest.mark.parametrize("name", ["./../x", "../../escape", "/tmp/geoatlas-abs", "mini/../mini",
                                  "..", "mini\x00"])
def test_map_names_that_would_leave_out_are_errors(mini_copy, tmp_path, name):
    before = outside_listing(tmp_path)
    result = run_cli("build", str(mini_copy), "--map", name, "--out", str(tmp_path / "out"),
                     "--only", "web")
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"geoatlas: error: map name {name!r} is not a plain "
                                    "recipe name"), result.output
    assert "Traceback" not in result.output
    assert outside_listing(tmp_path) == before  # nothing written anywhere, not even out/
    assert not Path("/tmp/geoatlas-abs.html").exists()


def test_a_recipe_file_with_a_dotted_name_is_refused(mini_copy, tmp_path):
    shutil.copy(mini_copy / "maps" / "mini.toml", mini_copy / "maps" / "..sneaky.toml")
    result = run_cli("build", str(mini_copy), "--out", str(tmp_path / "out"), "--only", "web")
    assert result.exit_code == 1
    assert "map name '..sneaky' is not a plain recipe name" in result.output


def test_a_symlink_in_out_is_refused_and_its_target_untouched(mini_copy, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / "mini.html").symlink_to(victim)
    result = run_cli("build", str(mini_copy), "--out", str(out), "--only", "web")
    assert result.exit_code == 1
    assert result.output.startswith(f"geoatlas: error: {out / 'mini.html'} is a symbolic link")
    assert "remove it" in result.output
    assert victim.read_text() == "precious"
    assert (out / "mini.html").is_symlink()  # left as it was
    assert sorted(p.name for p in out.iterdir()) == ["mini.html"]  # no staging left


def test_a_symlinked_lock_file_is_refused(mini_copy, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / LOCK_NAME).symlink_to(victim)
    result = run_cli("build", str(mini_copy), "--out", str(out), "--only", "web")
    assert result.exit_code == 1
    assert "is a symbolic link; remove it" in result.output
    assert victim.read_text() == "precious"


# -- item 6: CSV for people neutralises formulas ------------------------------------------
def test_csv_safe_prefixes_text_formulas_only():
    frame = pd.DataFrame({
        "name": ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                 "\tTab", "\rCR", "Mes Aynak", None],
        "km": [-12.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan],
    })
    safe = csv_safe(frame)
    assert safe["name"].tolist()[:7] == ["'=HYPERLINK(\"http://evil\",\"x\")",
                                         "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)", "'\tTab",
                                         "'\rCR", "Mes Aynak"]
    assert pd.isna(safe["name"].iloc[7])
    assert safe["km"].tolist()[:7] == [-12.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]  # numbers stay
    assert frame["name"].iloc[0].startswith("=")  # the input is not changed


HOSTILE_TEXT = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n\"',;{}%$<>/\\ aZ09é\u202e")),
                       max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(HOSTILE_TEXT, st.floats(allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=6))
def test_csv_cells_round_trip_literally_or_with_one_quote(cells):
    frame = pd.DataFrame({"cell": pd.Series(cells, dtype=object)})
    text = csv_safe(frame).to_csv(index=False, lineterminator="\r\n")
    back = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert len(back) == len(cells)
    for original, cell in zip(cells, back):
        if isinstance(original, str):
            expected = "'" + original if original.startswith(tuple("=+-@\t\r")) else original
            assert cell == expected
        else:
            assert float(cell) == original  # numbers, negative ones too, stay numbers


def test_query_csv_neutralises_formulas_and_raw_csv_keeps_them(mini_copy):
    edit(mini_copy / "layers" / "deposits.csv", "copper-hill,Copper Hill,",
         "copper-hill,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",")
    base = ["query", "within", "deposits", "--area", "AFG", "-w", str(mini_copy),
            "--format", "csv", "--columns", "id,name"]
    safe = run_cli(*base)
    assert safe.exit_code == 0, safe.output
    rows = pd.read_csv(io.StringIO(safe.stdout))
    assert rows.set_index("id").loc["copper-hill", "name"] == \
        "'=HYPERLINK(\"http://evil.example\",\"x\")"
    raw = run_cli(*base, "--raw-csv")
    rows = pd.read_csv(io.StringIO(raw.stdout))
    assert rows.set_index("id").loc["copper-hill", "name"] == \
        "=HYPERLINK(\"http://evil.example\",\"x\")"


def test_export_csv_neutralises_formulas_keeps_numbers_and_raw_csv_opts_out(tmp_path):
    from .conftest import HOSTILE

    safe = run_cli("export", str(HOSTILE), "--layer", "deposits", "--out",
                   str(tmp_path / "d.csv"))
    assert safe.exit_code == 0, safe.output
    raw = run_cli("export", str(HOSTILE), "--layer", "deposits", "--format", "csv",
                  "--raw-csv", "--out", str(tmp_path / "raw.csv"))
    assert raw.exit_code == 0, raw.output
    with (HOSTILE / "layers" / "deposits.csv").open(encoding="utf-8", newline="") as fh:
        source = {r["id"]: r for r in csv.DictReader(fh)}
    for name, quoted in (("d.csv", True), ("raw.csv", False)):
        with (tmp_path / name).open(encoding="utf-8", newline="") as fh:
            rows = {r["id"]: r for r in csv.DictReader(fh)}
        assert rows.keys() == source.keys()
        for ident, row in rows.items():
            for col in ("name", "notes"):
                want = source[ident][col]
                assert want[0] in "=+-@"
                assert row[col] == ("'" + want if quoted else want)
            assert row["wkt"].startswith("POINT (")
            assert float(row["lat"]) == float(source[ident]["lat"])  # numbers stay numbers


# -- item 9: every user-caused error is one message, never a traceback -------------------
BAD_INPUTS = {
    "latitude 91": ("layers/deposits.csv", "34.27,69.20", "91,69.20",
                    "layers/deposits.csv:2: 'lat' = 91.0 is out of range (-90..90)"),
    "latitude NaN": ("layers/deposits.csv", "34.27,69.20", "NaN,69.20",
                     "layers/deposits.csv:2: 'lat': 'NaN' is not a number"),
    "decimal comma": ("layers/deposits.csv", "34.27,69.20", "\"34,27\",69.20",
                      "layers/deposits.csv:2: 'lat': '34,27' is not a number"),
    "unquoted decimal comma": ("layers/deposits.csv", "34.27,69.20", "34,2691,69.20",
                               "layers/deposits.csv:2: 16 cells but the header has 15"),
    "95x": ("geo/places.csv", "34.5553,69.2075", "95x,69.2075",
            "geo/places.csv:2: 'lat': '95x' is not a number"),
    "arabic-indic digits": ("geo/places.csv", "34.5553,69.2075", "٣٤.٥٥,69.2075",
                            "geo/places.csv:2: 'lat': '٣٤.٥٥' is not a number"),
    "latitude,longitude header": ("layers/deposits.csv", "lat,lon,", "latitude,longitude,",
                                  "rename latitude -> lat, longitude -> lon"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_message_not_a_traceback(mini_copy, tmp_path, case):
    file, old, new, expected = BAD_INPUTS[case]
    edit(mini_copy / file, old, new)
    for args in (["check", str(mini_copy)],
                 ["build", str(mini_copy), "--out", str(tmp_path / "out"), "--only", "web"]):
        result = run_cli(*args)
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
        assert expected in result.output, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("geoatlas: error: ")
    assert not (tmp_path / "out" / "mini.html").exists()


def test_unexpected_errors_are_one_line_and_debug_shows_the_traceback(mini_copy, tmp_path,
                                                                      monkeypatch):
    import geoatlas.render.web as web

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(web, "write", broken)
    args = ["build", str(mini_copy), "--out", str(tmp_path), "--only", "web"]
    result = run_cli(*args)
    assert result.exit_code == 1
    assert result.output.startswith("geoatlas: error: unexpected KeyError: 'boom' (while "
                                    "building maps/mini.toml (web)).")
    assert "--debug" in result.output and "Traceback" not in result.output
    debug = run_cli("--debug", *args)
    assert isinstance(debug.exception, KeyError)  # re-raised: python shows the traceback


def _bad_colour(ws: Path) -> None:
    edit(ws / "maps" / "mini.toml", 'popup = ["name", "status", "value_usd"]\n[layers.style]\n',
         'popup = ["name", "status", "value_usd"]\n[layers.style]\ncolor = "notacolour"\n')


def test_bad_recipe_colour_cannot_traceback_the_build(mini_copy, tmp_path):
    _bad_colour(mini_copy)
    result = run_cli("build", str(mini_copy), "--out", str(tmp_path), "--only", "static")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("geoatlas: error: ")
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert "maps/mini.toml" in result.output, result.output
    assert not (tmp_path / "mini.png").exists()


def test_bad_recipe_colour_is_a_recipe_error_even_for_the_web_map(mini_copy, tmp_path):
    _bad_colour(mini_copy)
    result = run_cli("build", str(mini_copy), "--out", str(tmp_path), "--only", "web")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("geoatlas: error: maps/mini.toml"), result.output
    assert "notacolour" in result.output


def _namespace_ok() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _namespace_ok(),
                                  reason="needs root and unshare -m for a private tmpfs")


@needs_mounts
def test_full_disk_is_a_message(mini_copy, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (f"mount -t tmpfs -o size=64k tmpfs {disk} && "
              f"exec {GEOATLAS} build {mini_copy} --only web --out {disk}/out")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"geoatlas: error: cannot write {disk}/out/")
    assert "the disk is full: free some space and build again" in lines[0]


@needs_mounts
def test_read_only_out_is_a_message(mini_copy, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    script = (f"mount --bind {out} {out} && mount -o remount,bind,ro {out} && "
              f"exec {GEOATLAS} build {mini_copy} --only web --out {out}")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"geoatlas: error: cannot write {out}/")
    assert "read-only" in lines[0]


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_an_unwritable_out_folder_is_a_message(mini_copy):
    # sysfs refuses new folders even to root: a real EPERM, no mock
    result = run_cli("build", str(mini_copy), "--only", "web", "--out", "/sys/geoatlas-out")
    assert result.exit_code == 1
    assert result.output == ("geoatlas: error: cannot write /sys/geoatlas-out: operation not "
                             "permitted: make the folder writable or pass --out FOLDER; the "
                             "previous outputs are untouched\n")


# -- item 10: strict numbers, no control or bidi characters -------------------------------
@pytest.mark.parametrize(("text", "ok"), [
    ("3000000000", 3e9), ("3e9", 3e9), ("-12.5", -12.5), ("+0.25", 0.25), (".5", 0.5),
    ("3_000_000_000", None), ("1,000", None), ("inf", None), ("-Infinity", None),
    ("1e400", None), ("NaN", None), ("95x", None), ("٣", None), ("3 000", None), ("", None),
    ("0x10", None), ("1e", None),
])
def test_parse_number_is_strict(text, ok):
    if ok is None:
        with pytest.raises(ValueError, match=r"not a number|too large"):
            parse_number(text)
    else:
        assert parse_number(text) == ok


@pytest.mark.parametrize(("value", "fragment"), [
    ("3_000_000_000", "'3_000_000_000' is not a number"),
    ("inf", "'inf' is not a number"),
    ("1e400", "'1e400' is too large"),
    ("nan", "'nan' is not a number"),
])
def test_bad_numbers_are_path_line_errors_never_nan(mini_copy, value, fragment):
    edit(mini_copy / "layers" / "contracts.csv", ",3000000000,", f",{value},")
    with pytest.raises(geoatlas.ValidationError) as err:
        geoatlas.open(mini_copy)
    messages = [str(p) for p in err.value.problems]
    assert any(m.startswith("layers/contracts.csv:") and "'value_usd'" in m and fragment in m
               for m in messages), messages


CONTROL_CASES = {
    "NUL in a name": ("layers/deposits.csv", "Copper Hill", "Copper\x00Hill",
                      "layers/deposits.csv:2: 'name' contains NUL (U+0000) at character 7"),
    "RLO in notes": ("layers/deposits.csv", "fixture-doc,\niron", "fixture-doc,x\u202egpj\niron",
                     "layers/deposits.csv:2: 'notes' contains bidi control RIGHT-TO-LEFT "
                     "OVERRIDE (U+202E)"),
    "isolate in places": ("geo/places.csv", "Kabul,", "Ka\u2066bul,",
                          "geo/places.csv:2: 'name' contains bidi control LEFT-TO-RIGHT "
                          "ISOLATE (U+2066)"),
    "tab in a name": ("layers/deposits.csv", "Copper Hill", "Copper\tHill",
                      "layers/deposits.csv:2: 'name' contains control character U+0009"),
    "escape in sources": ("layers/sources.csv", "A fixture document", "A \x1b[31mfixture",
                          "layers/sources.csv:2: 'title' contains control character U+001B"),
    "raw RLO in a recipe": ("maps/mini.toml", 'title = "Mini map"', 'title = "Mini\u202e map"',
                            "maps/mini.toml:1: contains bidi control RIGHT-TO-LEFT OVERRIDE"),
    "escaped NUL in a recipe": ("maps/mini.toml", 'subtitle = "A fixture"',
                                'subtitle = "A\\u0000fixture"',
                                'maps/mini.toml: subtitle = "A\\u0000fixture" contains NUL'),
}


@pytest.mark.parametrize("case", list(CONTROL_CASES))
def test_check_rejects_control_and_bidi_characters(mini_copy, case):
    file, old, new, expected = CONTROL_CASES[case]
    edit(mini_copy / file, old, new)
    result = run_cli("check", str(mini_copy))
    assert result.exit_code == 1, result.output
    assert expected in result.output, result.output


def test_tab_and_line_breaks_are_allowed_in_notes(mini_copy):
    edit(mini_copy / "layers" / "deposits.csv", "fixture-doc,\niron",
         "fixture-doc,\"first line\tand a tab\r\nsecond line\"\niron")
    assert geoatlas.open(mini_copy).deposits.loc["copper-hill", "notes"].count("\n") == 1


def test_dropped_in_layer_text_and_field_names_are_scanned(mini_copy):
    import geopandas as gpd
    import shapely

    gdf = gpd.GeoDataFrame({"id": ["a", "b"], "label": ["fine", "bad\x1b[31mred"],
                            "x\u202eevil": ["1", "2"], "size": [1.0, np.inf]},
                           geometry=[shapely.Point(69, 34), shapely.Point(68, 35)], crs=4326)
    gdf.to_file(mini_copy / "layers" / "extra.gpkg", driver="GPKG")
    result = run_cli("check", str(mini_copy))
    assert result.exit_code == 1
    out = result.output
    where = r"layers/extra\.gpkg(?::extra)?"  # a one-layer file may be named with its layer
    assert re.search(where + r": feature b: 'label' contains control character U\+001B", out)
    assert re.search(where + r": field name 'x\\u202eevil' contains bidi control", out)
    assert re.search(where + r": feature b: 'size' is infinite", out)


# -- item 11: one staging folder, a commit that survives SIGKILL, a lock ------------------
DRIVER = r"""
import os, sys, time
from pathlib import Path
import geoatlas.build as b
marker, mode, pause = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
if mode == "commit":           # pause after the FIRST file of the set is renamed into place
    real = os.replace
    def replace(src, dst, *a, **k):
        real(src, dst, *a, **k)
        # a staged output moved into the out folder (not a file renamed inside staging)
        if (b.STAGING_PREFIX in str(src) and b.STAGING_PREFIX not in str(dst)
                and not marker.exists()):
            marker.write_text("moved one")
            time.sleep(120)
    b.os.replace = replace
elif mode == "render":         # pause while rendering, after the web map is staged
    import geoatlas.render.qgis as q
    real = q.write
    def write(*a, **k):
        marker.write_text("rendering")
        time.sleep(pause)
        return real(*a, **k)
    q.write = write
from geoatlas.cli import main
sys.argv = ["geoatlas", *sys.argv[4:]]
main()
"""


def _start(tmp_path: Path, mode: str, pause: float, *args: str) -> tuple[subprocess.Popen, Path]:
    marker = tmp_path / f"marker-{mode}-{time.monotonic_ns()}"
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    proc = subprocess.Popen([sys.executable, str(driver), str(marker), mode, str(pause), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"driver ended early: {proc.communicate()}")
        assert time.monotonic() < deadline, "the build never reached the pause"
        time.sleep(0.05)
    return proc, marker


def _inodes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in out.iterdir() if not p.name.startswith(".")}


@pytest.fixture(scope="module")
def mini_module(tmp_path_factory) -> Path:
    from .conftest import MINI

    dest = tmp_path_factory.mktemp("mini") / "ws"
    shutil.copytree(MINI, dest, symlinks=False)
    return dest


def test_sigkill_during_the_commit_leaves_a_journal_that_completes_the_new_set(
        mini_module, tmp_path):
    out = tmp_path / "out"
    build(geoatlas.open(mini_module), ["mini"], out, ["web", "qgis"])
    old = _inodes(out)
    assert sorted(old) == ["mini.gpkg", "mini.html", "mini.qgz"]
    proc, _ = _start(tmp_path, "commit", 0, "build", str(mini_module), "--out", str(out),
                     "--only", "web", "--only", "qgis")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    mixed = _inodes(out)
    assert sum(mixed[n] != old[n] for n in old) == 1  # killed right after the first rename
    assert (out / JOURNAL_NAME).exists()
    staged = [p for p in out.iterdir() if p.name.startswith(STAGING_PREFIX)]
    assert len(staged) == 1
    assert (out / LOCK_NAME).exists()  # left by the killed build, no longer locked
    with OutputLock(out):  # what the next build does first
        recover(out)
    new = _inodes(out)
    assert all(new[n] != old[n] for n in old)  # the whole new set, not a mix
    assert sorted(p.name for p in out.iterdir()) == sorted(old)  # journal and staging gone


def test_sigkill_while_rendering_keeps_the_old_set_and_the_next_build_cleans_up(
        mini_module, tmp_path):
    out = tmp_path / "out"
    build(geoatlas.open(mini_module), ["mini"], out, ["web", "qgis"])
    before = tree_digest(out)
    proc, _ = _start(tmp_path, "render", 120, "build", str(mini_module), "--out", str(out),
                     "--only", "web", "--only", "qgis")
    staging = [p for p in out.iterdir() if p.name.startswith(STAGING_PREFIX)]
    assert len(staging) == 1 and (staging[0] / "mini" / "mini.html").exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = {k: v for k, v in tree_digest(out).items() if not k.startswith(".")}
    assert after == before  # the old set, byte for byte
    build(geoatlas.open(mini_module), ["mini"], out, ["web"])
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # stale staging removed


def test_a_second_concurrent_build_fails_fast_or_waits(mini_module, tmp_path):
    out = tmp_path / "out"
    first, _ = _start(tmp_path, "render", 8, "build", str(mini_module), "--out", str(out),
                      "--only", "web", "--only", "qgis")
    try:
        second = subprocess.run([GEOATLAS, "build", str(mini_module), "--out", str(out),
                                 "--only", "web"], capture_output=True, text=True, timeout=120)
        assert first.poll() is None, "the first build ended before the second was refused"
        assert second.returncode == 1
        assert second.stderr.strip() == (
            f"geoatlas: error: {out} is being written by another geoatlas build "
            f"(pid {first.pid}); wait for it to finish, or pass --wait to queue behind it")
        waiting = subprocess.run([GEOATLAS, "build", str(mini_module), "--out", str(out),
                                  "--only", "web", "--wait"], capture_output=True, text=True,
                                 timeout=300)
        assert first.wait(timeout=300) == 0, first.communicate()
        assert waiting.returncode == 0, waiting.stderr
    finally:
        if first.poll() is None:
            first.kill()
    assert sorted(p.name for p in out.iterdir()) == ["mini.gpkg", "mini.html", "mini.qgz"]


def test_qgz_members_are_plain_names(mini_module, tmp_path):
    paths = build(geoatlas.open(mini_module), ["mini"], tmp_path, ["qgis"])
    qgz = next(p for p in paths if p.suffix == ".qgz")
    names = zipfile.ZipFile(qgz).namelist()
    assert names and all("/" not in n and "\\" not in n and ".." not in n for n in names)


# -- item 12: the spatial checks are vectorised --------------------------------------------
def test_check_measures_only_the_points_outside_their_areas(mini_copy, monkeypatch):
    path = mini_copy / "layers" / "deposits.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header, row = lines[0], lines[1]
    rows = [row.replace("copper-hill", f"copper-{i}", 1) for i in range(2000)]
    path.write_text("\n".join([header, *rows, *lines[2:]]) + "\n", encoding="utf-8")
    for table in ("contracts", "events"):
        file = mini_copy / "layers" / f"{table}.csv"
        file.write_text(file.read_text(encoding="utf-8").replace("copper-hill", "copper-0"),
                        encoding="utf-8")
    calls = []
    real = geodesic.distance_to_km
    monkeypatch.setattr(geodesic, "distance_to_km", lambda *a: calls.append(1) or real(*a))
    atlas = geoatlas.open(mini_copy)
    assert len(atlas.deposits) == 2001
    assert len(calls) <= 3  # the old per-row check measured every point (2001+ calls)


def test_row_line_numbers_are_not_deep_copied_by_every_frame_operation(mini):
    import copy

    lines = mini["contracts"].attrs["lines"]
    assert list(lines) == [2, 3]
    assert copy.deepcopy(lines) is lines  # pandas deep-copies attrs after each operation


def test_bench_check_prints_the_target_line(tmp_path):
    bench = Path(__file__).resolve().parents[1] / "bench" / "bench_check.py"
    results = tmp_path / "results.jsonl"
    done = subprocess.run([sys.executable, str(bench), "--rows", "3000", "--sample", "100"],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "GEOATLAS_BENCH_RESULTS": str(results)})
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("check 3,000 deposits:"))
    assert "baseline" in line and "ratio" in line and "target 30 s: met" in line
    record = json.loads(results.read_text().splitlines()[-1])
    assert record["geoatlas"] < 30 and record["ratio"] < 1
