"""The ``geoatlas`` click group and its one error boundary.

Verbs live in their own modules of :mod:`geoatlas.cli` and import the heavy parts of
geoatlas inside the command, so ``geoatlas --help`` starts in a fraction of a second.
"""

from __future__ import annotations

import logging

import click

from .. import __version__
from ..errors import DataError, GeoatlasError
from .options import quiet_opt, verbose_opt

__all__ = ["cli", "error_lines", "main"]


log = logging.getLogger("geoatlas")


def _verbosity(ctx: click.Context, verbose: int, quiet: int) -> None:
    level = logging.WARNING - 10 * verbose + 10 * quiet
    # other libraries (fontTools subsetting, matplotlib, GDAL) stay at WARNING unless -vvv
    others = logging.WARNING + 10 * quiet - 10 * max(0, verbose - 2)
    logging.basicConfig(level=max(others, logging.DEBUG), format="%(levelname)s: %(message)s")
    logging.getLogger("geoatlas").setLevel(max(level, logging.DEBUG))
    ctx.obj = {"verbosity": verbose - quiet}


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
@verbose_opt
@quiet_opt
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int, debug: bool) -> None:
    """Curated geographic data to web maps, print maps, QGIS projects and answers."""
    _verbosity(ctx, verbose, quiet)
    ctx.obj["debug"] = debug


def main() -> None:
    """Entry point of the ``geoatlas`` console script."""
    cli(prog_name="geoatlas")
