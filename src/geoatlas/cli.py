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

import click

from . import __version__
from .errors import GeoatlasError, ValidationError

log = logging.getLogger("geoatlas")


def _verbosity(ctx: click.Context, verbose: int, quiet: int) -> None:
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s: %(message)s")
    ctx.obj = {"verbosity": verbose - quiet}


workspace_argument = click.argument(
    "workspace", required=False, type=click.Path(file_okay=False, path_type=str)
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    from .workspace import find_workspace, validate

    catalog, problems = validate(find_workspace(workspace))
    if problems:
        for p in problems:
            click.echo(str(p))
        n = len(problems)
        click.echo(f"\n{n} problem{'s' if n != 1 else ''} found; nothing was built.", err=True)
        sys.exit(1)
    click.echo(Atlas(catalog).summary())
    click.echo("\nOK: no problems found.")


def main() -> None:
    """Entry point: run the CLI, turning geoatlas errors into one clear message."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ValidationError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        click.echo(f"{len(exc.problems)} problem(s); run `geoatlas check` for details.", err=True)
        sys.exit(1)
    except GeoatlasError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
