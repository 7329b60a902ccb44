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
    from .errors import DataError
    from .importer import plan_import

    try:
        plan = plan_import(gpkg, workspace, allow_delete=allow_delete)
    except DataError as exc:  # ImportRefused, or not a GeoPackage that build wrote
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


@click.command("serve")
@click.argument("workspace", required=False, type=click.Path(file_okay=False, path_type=str))
@click.option("--map", "maps", multiple=True, metavar="NAME",
              help="Recipe to serve (repeatable; default: every maps/*.toml).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="TCP port (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the default serves this machine only.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: WORKSPACE/out); nothing is written elsewhere.")
@click.option("--only", "outputs", multiple=True, type=click.Choice(["web", "static", "qgis"]),
              help="Rebuild only these kinds of output (repeatable; default: all, web first).")
def serve_command(workspace, maps, port, host, out, outputs) -> None:
    """Serve the maps of WORKSPACE on localhost, rebuild on change, reload the page.

    Watches geo/, layers/ and maps/; a change is checked like `geoatlas check`, then
    only the affected maps are rebuilt (the web map first) and open pages reload. A
    check problem shows in the page as a panel over the last good map. Ctrl-C stops.
    """
    from .errors import GeoatlasError
    from .serve import LiveServer

    try:
        server = LiveServer(workspace, maps or None, port, host, out, outputs or None)
    except OSError as exc:
        if isinstance(exc, GeoatlasError):  # a missing workspace is not a port problem
            raise
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"building {', '.join(server.maps)} into {server.out} ...")
    server.start()
    click.echo(f"serving {server.url}  (watching geo/, layers/, maps/; Ctrl-C to stop)")
    try:
        while not server.stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        click.echo("stopping ...")
    finally:
        server.shutdown()
    click.echo("stopped.")
