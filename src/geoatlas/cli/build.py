"""``geoatlas check``, ``build`` and ``init``: the verbs over a whole workspace.

Examples
--------
>>> from click.testing import CliRunner
>>> "--only" in CliRunner().invoke(build, ["--help"]).output
True
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import GeoatlasError
from ..formats import OUTPUTS, STATIC_FORMATS
from .options import out_folder_opt, workspace_arg

__all__ = ["build", "check", "init"]


@click.command()
@workspace_arg
def check(workspace: str | None) -> None:
    """Validate every file of WORKSPACE (default: the current one) and summarise it.

    Problems are printed as ``path:line: message``, all at once; the exit status is 1
    when there is any.
    """
    from ..atlas import Atlas
    from ..recipe import check_recipes
    from ..workspace import find_workspace, validate

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


@click.command()
@workspace_arg
@click.option("--map", "maps", multiple=True, metavar="NAME",
              help="Recipe to build (repeatable; default: every maps/*.toml).")
@out_folder_opt
@click.option("--only", "outputs", multiple=True, type=click.Choice(list(OUTPUTS)),
              help="Build only these kinds of output (repeatable; default: all).")
@click.option("--format", "formats", multiple=True, type=click.Choice(list(STATIC_FORMATS)),
              help="Static formats (repeatable; default: the recipe's).")
@click.option("--dpi", type=click.IntRange(50, 1200), default=None,
              help="Resolution of the PNG (default: the recipe's).")
@click.option("--wait", is_flag=True,
              help="If another build is writing to OUT, wait for it instead of failing.")
def build(workspace, maps, out, outputs, formats, dpi, wait) -> None:
    """Build the maps of WORKSPACE into OUT: HTML, static images, GeoPackage and QGIS project."""
    from ..atlas import open as open_atlas
    from ..build import build as build_maps

    atlas = open_atlas(workspace)
    here = Path.cwd().resolve()
    if workspace is None and atlas.root != here and atlas.root not in here.parents:
        click.echo(f"note: no workspace at or above {here}; building the default workspace "
                   f"{atlas.root} (pass WORKSPACE or -w to choose)", err=True)
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


@click.command()
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
    from ..scaffold import init_workspace

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
