"""The command line's conventions: one workspace convention, shared options, light import."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from geoatlas.cli import cli
from tests.conftest import MINI


@pytest.mark.parametrize("args", [["check", str(MINI)], ["check", "-w", str(MINI)],
                                  ["check", "--workspace", str(MINI), str(MINI)]])
def test_workspace_positional_or_w(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "OK: no problems found." in result.output


def test_two_different_workspaces_are_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["check", str(MINI), "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "two workspaces given" in result.output


@pytest.mark.parametrize("verb", ["check", "build", "export", "raster", "query near",
                                  "import", "serve"])
def test_every_verb_takes_w(verb):
    result = CliRunner().invoke(cli, [*verb.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "-w, --workspace DIR" in result.output


def test_shared_options_read_the_same_everywhere():
    helps = {verb: CliRunner().invoke(cli, [*verb.split(), "--help"]).output
             for verb in ("export", "query near", "raster distance")}
    for text in helps.values():
        assert "--as-of DATE" in text and "--overwrite" in text
        assert "an event dated on it counts" in " ".join(text.split())


def test_raster_takes_the_workspace_before_the_product_or_as_w(tmp_path):
    for args in (["raster", str(MINI), "distance", "--to", "rail"],
                 ["raster", "-w", str(MINI), "distance", "--to", "rail"]):
        out = tmp_path / f"d{len(args)}.tif"
        result = CliRunner().invoke(cli, [*args, "--resolution-km", "50", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.is_file()


def test_import_geoatlas_cli_loads_no_data_libraries():
    code = ("import sys, geoatlas.cli; print(sorted(m for m in ('numpy', 'pandas', "
            "'geopandas', 'shapely', 'pyproj', 'matplotlib', 'folium') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
