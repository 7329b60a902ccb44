"""``geoatlas import`` and ``geoatlas serve``: edits come back from QGIS, maps update live.

Examples
--------
>>> from click.testing import CliRunner
>>> "--dry-run" in CliRunner().invoke(import_command, ["--help"]).output
True
"""

from __future__ import annotations

import sys

import click


@click.command("import")
@click.argument("gpkg", type=click.Path(dir_okay=False, path_type=str))
@click.argument("workspace", required=False, type=click.Path(file_okay=False, path_type=str))
@click.option("--dry-run", is_flag=True, help="Show the summary and the diff; write nothing.")
@click.option("--allow-delete", is_flag=True,
              help="Remove rows whose features were deleted (default: only list them).")
def import_command(gpkg, workspace, dry_run, allow_delete) -> None:
    """Write edits made to GPKG (built by `geoatlas build`, edited in QGIS) into WORKSPACE.

    Prints a summary first (moved with km, added, deleted, attribute changes old → new).
    Only the changed rows of the CSV files change; every imported row passes the same
    validation as `geoatlas check`, else nothing is written.
    """
    from .importer import ImportRefused, plan_import

    try:
        plan = plan_import(gpkg, workspace, allow_delete=allow_delete)
    except ImportRefused as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        n = len(exc.problems)
        click.echo(f"{n} problem{'s' if n != 1 else ''}; nothing was imported.", err=True)
        sys.exit(1)
    click.echo(plan.summary())
    if dry_run:
        diff = plan.diff()
        if diff:
            click.echo("")
            click.echo(diff, nl=False)
        click.echo("dry run: nothing was written.")
        return
    written = plan.write()
    for path in written:
        click.echo(f"wrote {path.relative_to(plan.root)}")
    if not written:
        click.echo("nothing to write: the workspace already has these values.")
