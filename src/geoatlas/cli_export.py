"""``geoatlas export [WORKSPACE] --layer NAME --format FORMAT --out PATH``: one layer to a file.

Formats: ``gpkg``, ``geojson`` (RFC 7946), ``parquet`` (GeoParquet), ``fgb``, ``shp`` and
``csv`` (for people: WKT geometry, spreadsheet formulas neutralised unless ``--raw-csv``);
``--engine fiona`` writes through fiona instead of pyogrio. The file is written to a
temporary name and moved into place, so a failed export leaves nothing half-written.

Examples
--------
>>> from click.testing import CliRunner
>>> "--engine" in CliRunner().invoke(export, ["--help"]).output
True
"""

from __future__ import annotations

from pathlib import Path

import click

from .export import ENGINES, FORMATS


@click.command("export")
@click.argument("workspace", required=False, type=click.Path(file_okay=False, path_type=str))
@click.option("--layer", "-l", "layer", required=True, metavar="NAME",
              help="The layer to export (see `geoatlas check` for the names).")
@click.option("--format", "-f", "fmt", type=click.Choice([*FORMATS, "csv"]), default=None,
              help="Output format (default: from the suffix of --out). csv is for people: "
                   "geometry as WKT, formula-like text cells prefixed with '.")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (a Shapefile's sidecar files go next to it).")
@click.option("--engine", type=click.Choice(list(ENGINES)), default="pyogrio",
              show_default=True, help="OGR binding that writes (GeoParquet: always pyarrow).")
@click.option("--as-of", default=None, metavar="DATE",
              help="Statuses as of this ISO date (default: latest).")
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
@click.option("--raw-csv", is_flag=True,
              help="csv: keep text cells starting with = + - @ unchanged (CSV for programs).")
def export(workspace, layer, fmt, out, engine, as_of, overwrite, raw_csv) -> None:
    """Export layer NAME of WORKSPACE (default: the current one) to a GIS file.

    GeoJSON follows RFC 7946 (lon/lat, right-hand winding, no crs member); lists are
    written as ';'-separated text; Shapefile field names are cut to 10 characters.
    """
    from .atlas import open as open_atlas
    from .export import export_layer

    atlas = open_atlas(workspace, as_of=as_of)
    if fmt == "csv" or (fmt is None and out.suffix.lower() == ".csv"):
        from .errors import QueryError
        from .export import export_csv

        if layer not in atlas.layers:
            raise QueryError(f"unknown layer '{layer}'; layers: {', '.join(atlas.layers)}")
        path = export_csv(atlas[layer], out, overwrite=overwrite, raw=raw_csv)
        fmt, engine = "csv", "pandas"
    else:
        path = export_layer(atlas, layer, out, fmt, engine=engine, overwrite=overwrite)
    n = len(atlas[layer])
    kind = fmt or path.suffix.lstrip(".")
    click.echo(f"wrote {n} feature{'s' if n != 1 else ''} of '{layer}' to {path} "
               f"({kind}, {engine})")
