r"""Options every ``geoatlas`` verb shares, declared once (as rasterio's ``rio/options.py``).

One convention for the workspace: ``-w/--workspace DIR`` works with every verb, and the
verbs whose only other argument is optional (check, build, export, serve, import,
raster) also take it positionally, as they always have. Giving both, differently, is
a usage error rather than a silent choice.

Examples
--------
>>> import click
>>> from click.testing import CliRunner
>>> @click.command()
... @workspace_arg
... def show(workspace):
...     click.echo(workspace)
>>> CliRunner().invoke(show, ["-w", "ws"]).output, CliRunner().invoke(show, ["ws"]).output
('ws\n', 'ws\n')
>>> CliRunner().invoke(show, ["a", "-w", "b"]).exit_code
2
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

__all__ = [
    "as_of_opt",
    "out_file_opt",
    "out_folder_opt",
    "overwrite_opt",
    "quiet_opt",
    "verbose_opt",
    "where_opt",
    "workspace_arg",
    "workspace_opt",
]

_WS_TYPE = click.Path(file_okay=False, path_type=str)
_WS_HELP = "Workspace folder (default: the current one, or the one holding it)."

workspace_opt = click.option("--workspace", "-w", "workspace", default=None, metavar="DIR",
                             type=_WS_TYPE, help=_WS_HELP)
"""``-w/--workspace DIR`` alone: for verbs with other positional arguments (query)."""


def workspace_arg(func):
    """An optional positional WORKSPACE and ``-w/--workspace``, merged into ``workspace``."""

    @functools.wraps(func)
    def wrapper(*args, workspace=None, workspace_flag=None, **kwargs):
        if workspace and workspace_flag and Path(workspace) != Path(workspace_flag):
            raise click.UsageError(f"two workspaces given: '{workspace}' and -w "
                                   f"'{workspace_flag}'; give one")
        return func(*args, workspace=workspace_flag or workspace, **kwargs)

    wrapper = click.option("--workspace", "-w", "workspace_flag", default=None, metavar="DIR",
                           type=_WS_TYPE, help=_WS_HELP)(wrapper)
    return click.argument("workspace", required=False, type=_WS_TYPE)(wrapper)


as_of_opt = click.option("--as-of", default=None, metavar="DATE",
                         help="Statuses as of this ISO date; an event dated on it counts "
                              "(default: latest).")
overwrite_opt = click.option("--overwrite", is_flag=True, help="Replace an existing file.")
out_folder_opt = click.option("--out", type=click.Path(file_okay=False), default=None,
                              help="Output folder (default: WORKSPACE/out).")


def out_file_opt(required: bool = True, help: str = "File to write."):
    """``--out/-o PATH``: one output file."""
    return click.option("--out", "-o", required=required,
                        type=click.Path(dir_okay=False, path_type=Path), help=help)


def where_opt(help: str = "Where filter on the features, e.g. \"status == 'operating'\"."):
    """``--where EXPR``: a filter in the where language (:mod:`geoatlas.where`)."""
    return click.option("--where", default=None, metavar="EXPR", help=help)


verbose_opt = click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
quiet_opt = click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
