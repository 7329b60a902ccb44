"""The ``geoatlas`` command line: one click group, thin over the Python API.

``geoatlas check|build|init|export|query|raster|import|serve``; shared options are
declared once in :mod:`geoatlas.cli.options`, and each verb imports what it needs
inside the command (``import geoatlas.cli`` loads click, not pandas).

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--version"]).output.startswith("geoatlas")
True
"""

from __future__ import annotations

from . import build, export, loops, query, raster
from .main import cli, error_lines, main

__all__ = ["cli", "error_lines", "main"]

for _command in (build.check, build.build, build.init, raster.raster, export.export,
                 query.query, loops.import_command, loops.serve_command):
    cli.add_command(_command)
