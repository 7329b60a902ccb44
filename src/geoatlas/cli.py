"""The ``geoatlas`` command line: one click group, thin over the Python API.

Examples
--------
>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--version"]).output.startswith("geoatlas")
True
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from . import __version__
from .build import OUTPUTS
from .cli_export import export
from .cli_query import query
from .cli_raster import raster
from .errors import GeoatlasError, ValidationError

log = logging.getLogger("geoatlas")


def _verbosity(ctx: click.Context, verbose: int, quiet: int) -> None:
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s: %(message)s")
    ctx.obj = {"verbosity": verbose - quiet}


workspace_argument = click.argument(
    "workspace", required=False, type=click.Path(file_okay=False, path_type=str)
)


class _Group(click.Group):
    """A click group that turns geoatlas errors into one clear message and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            for p in exc.problems:
                click.echo(str(p), err=True)
            n = len(exc.problems)
            click.echo(f"{n} problem(s); run `geoatlas check` for details.", err=True)
            ctx.exit(1)
        except GeoatlasError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geoatlas")
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """Curated geographic data to web maps, print maps, QGIS projects and answers."""
    _verbosity(ctx, verbose, quiet)


@cli.command()
@workspace_argument
def check(workspace: str | None) -> None:
    """Validate every file of WORKSPACE (default: the current one) and summarise it.

    Problems are printed as ``path:line: message``, all at once; the exit status is 1
    when there is any.
    """
    from .atlas import Atlas
    from .recipe import check_recipes
    from .workspace import find_workspace, validate

    root = find_workspace(workspace)
    catalog, problems = validate(root)
    # recipes too: against the data when it is valid, else their syntax alone
    atlas = Atlas(catalog) if catalog and not problems else None
    problems = [*problems, *check_recipes(root, atlas)]
    if problems:
        for p in problems:
            click.echo(str(p))
        n = len(problems)
        click.echo(f"\n{n} problem{'s' if n != 1 else ''} found; nothing was built.", err=True)
        sys.exit(1)
    click.echo(Atlas(catalog).summary())
    click.echo("\nOK: no problems found.")


@cli.command()
@workspace_argument
@click.option("--map", "maps", multiple=True, metavar="NAME",
              help="Recipe to build (repeatable; default: every maps/*.toml).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: WORKSPACE/out).")
@click.option("--only", "outputs", multiple=True, type=click.Choice(list(OUTPUTS)),
              help="Build only these kinds of output (repeatable; default: all).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["png", "svg", "pdf"]),
              help="Static formats (repeatable; default: the recipe's).")
@click.option("--dpi", type=click.IntRange(50, 1200), default=None,
              help="Resolution of the PNG (default: the recipe's).")
def build(workspace, maps, out, outputs, formats, dpi) -> None:
    """Build the maps of WORKSPACE into OUT: HTML, static images, GeoPackage and QGIS project."""
    from .atlas import open as open_atlas
    from .build import build as build_maps

    atlas = open_atlas(workspace)
    out = Path(out) if out else atlas.root / "out"
    options = {k: v for k, v in {"formats": formats or None, "dpi": dpi}.items() if v}
    paths = build_maps(atlas, maps or None, out, outputs or None, **options)
    for path in paths:
        click.echo(f"{_size(path):>9}  {path}")
    click.echo(f"built {len(paths)} file(s) in {out}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--basemap", type=click.Path(dir_okay=False, exists=True), default=None,
              help="GeoPackage with countries and provinces layers to copy into geo/.")
def init(directory, basemap) -> None:
    """Create an empty workspace in DIRECTORY (geo/, layers/, maps/ with headers)."""
    from .workspace import BASEMAP, create_workspace

    root = create_workspace(directory, basemap)
    click.echo(f"created workspace {root}")
    if not (root / BASEMAP).exists():
        click.echo(f"next: add {BASEMAP} (python scripts/build_basemap.py --out "
                   f"{root / BASEMAP}), then `geoatlas check {root}`")
    else:
        click.echo(f"next: add rows to {root / 'layers'}/*.csv, then `geoatlas check {root}`")


def _size(path: Path) -> str:
    size = path.stat().st_size if path.is_file() else 0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


cli.add_command(raster)
cli.add_command(export)
cli.add_command(query)


def main() -> None:
    """Entry point of the ``geoatlas`` console script."""
    cli(prog_name="geoatlas")
