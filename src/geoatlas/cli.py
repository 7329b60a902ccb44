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
from .cli_loops import import_command, serve_command
from .cli_query import query
from .cli_raster import raster
from .errors import DataError, GeoatlasError

log = logging.getLogger("geoatlas")


def _verbosity(ctx: click.Context, verbose: int, quiet: int) -> None:
    level = logging.WARNING - 10 * verbose + 10 * quiet
    # other libraries (fontTools subsetting, matplotlib, GDAL) stay at WARNING unless -vvv
    others = logging.WARNING + 10 * quiet - 10 * max(0, verbose - 2)
    logging.basicConfig(level=max(others, logging.DEBUG), format="%(levelname)s: %(message)s")
    logging.getLogger("geoatlas").setLevel(max(level, logging.DEBUG))
    ctx.obj = {"verbosity": verbose - quiet}


workspace_argument = click.argument(
    "workspace", required=False, type=click.Path(file_okay=False, path_type=str)
)


class _Group(click.Group):
    """A click group with ONE error boundary: every failure becomes a message, never a trace.

    Errors a user can cause end as ``geoatlas: error: ...`` naming the file (and line or
    feature) with a hint, exit status 1; usage errors are click's (exit 2). ``--debug``
    re-raises, to see the traceback.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if (ctx.obj or {}).get("debug"):
                raise
            for line in error_lines(exc):
                click.echo(line, err=True)
            ctx.exit(1)


def error_lines(exc: BaseException) -> list[str]:
    """The lines printed for ``exc``: problems first, then one ``geoatlas: error:`` line.

    >>> from geoatlas.errors import Problem, RecipeError, ValidationError
    >>> error_lines(RecipeError("maps/x.toml: unknown key 'titel'"))
    ["geoatlas: error: maps/x.toml: unknown key 'titel'"]
    >>> error_lines(ValidationError([Problem("layers/deposits.csv", "bad lat", line=3)]))
    ['geoatlas: error: layers/deposits.csv:3: bad lat']
    >>> error_lines(OSError(28, "No space left on device", "out/x.png"))[0][:62]
    'geoatlas: error: cannot write out/x.png: No space left on devi'
    """
    if isinstance(exc, DataError):
        problems = [str(p) for p in exc.problems]
        if len(problems) == 1:
            return [f"geoatlas: error: {problems[0]}"]
        n = len(problems)
        return [*problems, f"geoatlas: error: {n} problems in the workspace data (listed "
                           "above); fix them, then run `geoatlas check`"]
    if isinstance(exc, GeoatlasError):
        head, *rest = str(exc).splitlines() or [type(exc).__name__]
        return [f"geoatlas: error: {head}", *rest]
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        hint = {28: " (free some space and try again)",
                13: " (make it writable, or pass another --out folder)",
                30: " (pass an --out folder on a writable file system)"}.get(exc.errno or 0,
                                                                                "")
        verb = "cannot write" if exc.errno in (28, 13, 30, 122) else "cannot access"
        text = exc.strerror or str(exc)
        if len(hint) > 0:
            text = f"{text}{hint}"
        return [f"geoatlas: error: {verb}{where}: {text}"]
    if isinstance(exc, MemoryError):
        return ["geoatlas: error: out of memory; try fewer maps or a smaller workspace"]
    notes = "".join(f" ({note})" for note in getattr(exc, "__notes__", ()))
    return [f"geoatlas: error: unexpected {type(exc).__name__}: {exc}{notes}. This is a bug "
            "in geoatlas or a check it lacks: run again with --debug and report the traceback"]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geoatlas")
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output (repeatable).")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int, debug: bool) -> None:
    """Curated geographic data to web maps, print maps, QGIS projects and answers."""
    _verbosity(ctx, verbose, quiet)
    ctx.obj["debug"] = debug


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
    checked = Atlas(catalog)
    click.echo(checked.summary())
    missing = checked.missing_documents()
    if missing:
        click.echo(f"\nnote: {len(missing)} cited document file(s) are not on this machine "
                   f"(looked in {root.parent / 'shared' / 'sources'} and {root / 'sources'}); "
                   "maps cite them by title, publisher and date.")
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
@click.option("--wait", is_flag=True,
              help="If another build is writing to OUT, wait for it instead of failing.")
def build(workspace, maps, out, outputs, formats, dpi, wait) -> None:
    """Build the maps of WORKSPACE into OUT: HTML, static images, GeoPackage and QGIS project."""
    from .atlas import open as open_atlas
    from .build import build as build_maps

    atlas = open_atlas(workspace)
    out = Path(out) if out else atlas.root / (atlas.catalog.config.out or "out")
    options = {k: v for k, v in {"formats": formats or None, "dpi": dpi}.items() if v}
    paths = build_maps(atlas, maps or None, out, outputs or None, wait=wait,
                       progress=_BuildProgress(sys.stderr.isatty()), **options)
    click.echo(f"built {len(paths)} file(s) in {out}")


class _BuildProgress:
    """Each output as it lands (stdout); a progress bar on stderr when it is a terminal."""

    def __init__(self, tty: bool, width: int = 24):
        self.tty, self.width, self.shown = tty, width, False

    def __call__(self, event: str, **info) -> None:
        if event == "step" and self.tty:
            filled = self.width * info["done"] // max(info["total"], 1)
            bar = "#" * filled + "-" * (self.width - filled)
            click.echo(f"\r[{bar}] {info['done']}/{info['total']} {info['recipe']}: "
                       f"{info['output']}...\033[K", nl=False, err=True)
            self.shown = True
        elif event == "written":
            if self.shown:  # clear the bar line before printing the file
                click.echo("\r\033[K", nl=False, err=True)
                self.shown = False
            click.echo(f"{_size(info.get('staged', info['path'])):>9}  {info['path']}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--bbox", default=None, metavar="W,S,E,N",
              help="The region in degrees, e.g. -81,-56,-66,-17.")
@click.option("--countries", default=None, metavar="ISO3,...",
              help="The region as countries, e.g. CHL,PER.")
@click.option("--basemap", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A GeoPackage with countries and provinces layers to use (checked first).")
@click.option("--provinces", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Provinces file (any OGR format, a 'name' column) instead of Natural "
                   "Earth admin-1.")
@click.option("--name", default=None, help="The workspace's name (default: the folder name).")
def init(directory, bbox, countries, basemap, provinces, name) -> None:
    """Create a working workspace for a region in DIRECTORY.

    The basemap covers the world (detailed in the region), provinces come from Natural
    Earth admin-1 when it is on this machine (or --provinces), the gazetteer starts with
    the region's cities; an example recipe, geoatlas.toml and a README come with it.
    `geoatlas check DIRECTORY` and `geoatlas build DIRECTORY` pass at once.
    """
    from .scaffold import init_workspace

    try:
        root = init_workspace(directory, bbox=bbox, countries=countries, basemap=basemap,
                              provinces=provinces, name=name)
    except ValueError as exc:
        if isinstance(exc, GeoatlasError):
            raise
        raise click.UsageError(str(exc)) from None
    click.echo(f"created workspace {root}")
    click.echo(f"next: geoatlas check {root} && geoatlas build {root}  (see {root}/README.md)")


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
cli.add_command(import_command)
cli.add_command(serve_command)


def main() -> None:
    """Entry point of the ``geoatlas`` console script."""
    cli(prog_name="geoatlas")
