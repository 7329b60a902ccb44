"""``geoatlas query ...``: spatial questions from the command line.

Subcommands ``near``, ``nearest``, ``within``, ``intersects``, ``summarize`` and
``route``, thin over :mod:`geoatlas.query` and :mod:`geoatlas.network`. Every one takes
``--workspace DIR``, ``--as-of DATE``, ``--format table|csv|geojson|gpkg`` and
``--out PATH``. Without ``--format`` the answer is a table on a terminal and CSV when
piped (or the format of the ``--out`` suffix).

Examples
--------
>>> from click.testing import CliRunner
>>> "route" in CliRunner().invoke(query, ["--help"]).output
True
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import QueryError
from .options import as_of_opt, overwrite_opt, workspace_opt

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

__all__ = ["FORMATS", "near", "nearest", "query", "route", "summarize"]


FORMATS = ("table", "csv", "geojson", "gpkg")
_SUFFIXES = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg",
             ".txt": "table"}


def _options(func):
    """The options every query subcommand shares."""
    for option in reversed([
        workspace_opt,
        as_of_opt,
        click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default=None,
                     help="Output format (default: table on a terminal, CSV when piped, "
                          "or from the --out suffix)."),
        click.option("--out", "-o", default=None, type=click.Path(dir_okay=False,
                                                                  path_type=Path),
                     help="Write to this file instead of standard output (needed for gpkg)."),
        overwrite_opt,
        click.option("--raw-csv", is_flag=True,
                     help="CSV for programs: keep text cells starting with = + - @ as they "
                          "are (default: prefix them with ' so spreadsheets show, not run, "
                          "them)."),
        click.option("--columns", default=None, metavar="A,B,...",
                     help="Fields to output (default: a short set per command; geojson "
                          "and gpkg get every field)."),
    ]):
        func = option(func)
    return func


@click.group("query", context_settings={"help_option_names": ["-h", "--help"]})
def query() -> None:
    """Ask spatial questions of a workspace: distances in km, geodesically right.

    \b
    --where filters the features of LAYER, the ones a verb answers for;
    --to-where and --by-where filter the --to and --by features.

    \b
    geoatlas query near deposits --to rail --km 50 --to-where "status == 'operating'"
    geoatlas query nearest deposits --to places --to-where "kind == 'border_crossing'"
    geoatlas query within deposits --area central-mineral-belt
    geoatlas query summarize deposits --by provinces --by-where "iso3 == 'AFG'"
    geoatlas query route mes-aynak --to gwadar
    """  # noqa: D301 - click needs the real \b (backspace) to keep these lines unwrapped


def _atlas(workspace: str | None, as_of: str | None):
    from ..atlas import open as open_atlas

    try:
        return open_atlas(workspace, as_of=as_of)
    except ValueError as exc:
        if as_of is not None and "date" in str(exc):
            raise click.BadParameter(str(exc), param_hint="--as-of") from None
        raise


_SUBJECT_HELP = ("Where filter on the features of LAYER, as in every verb, when --to-where "
                 "is given too; alone it still filters the --to features (for this "
                 "release), with a warning.")
_FILTER_HELP = "Where filter on the features of LAYER (the name that works without --to-where)."


def _pair_filters(func):
    """``--where``/``--to-where``/``--filter`` of near and nearest."""
    func = click.option("--filter", "filter_", default=None, metavar="EXPR",
                        help=_FILTER_HELP)(func)
    func = click.option("--to-where", default=None, metavar="EXPR",
                        help="Where filter on the --to features, e.g. \"status == "
                             "'operating'\".")(func)
    return click.option("--where", default=None, metavar="EXPR", help=_SUBJECT_HELP)(func)


def _split(verb: str, where, to_where, filter_):
    """The filters of near/nearest on their sides; the deprecation said on stderr."""
    from ..filter_sides import CLI_NAMES, split_filters

    sides = split_filters(verb, where, to_where, filter_, names=CLI_NAMES)
    if sides.deprecated:
        click.echo(f"geoatlas: warning: {sides.deprecated}", err=True)
    return sides


@query.command()
@click.argument("layer")
@click.option("--to", "to", required=True, metavar="LAYER[:ID]",
              help="Counterpart layer (rail, corridors, places:kabul, ...).")
@click.option("--km", type=click.FloatRange(min=0), required=True, help="Distance in km.")
@_pair_filters
@_options
def near(layer, to, km, where, to_where, filter_, **out) -> None:
    """Features of LAYER within --km of any feature of --to, nearest first."""
    sides = _split("near", where, to_where, filter_)
    atlas = _atlas(out["workspace"], out["as_of"])
    frame = atlas.near(layer, to, km, **sides.keywords())
    sel = f" where {sides.counterparts}" if sides.counterparts else ""
    caption = f"{_count(frame, layer)} within {km:g} km of {to}{sel}"
    _emit(frame, ["id", "name", "distance_km", "nearest_id", "nearest_name"], caption,
          "near", **out)


@query.command()
@click.argument("layer")
@click.option("--to", "to", required=True, metavar="LAYER[:ID]", help="Counterpart layer.")
@click.option("-k", "k", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many nearest counterparts per feature.")
@click.option("--max-km", type=click.FloatRange(min=0), default=None,
              help="Ignore counterparts farther than this.")
@_pair_filters
@_options
def nearest(layer, to, k, max_km, where, to_where, filter_, **out) -> None:
    """The -k nearest features of --to for every feature of LAYER."""
    sides = _split("nearest", where, to_where, filter_)
    atlas = _atlas(out["workspace"], out["as_of"])
    frame = atlas.nearest(layer, to, k, max_km=max_km, **sides.keywords())
    sel = f" where {sides.counterparts}" if sides.counterparts else ""
    caption = f"nearest {k} of {to}{sel} for {_count(frame.drop_duplicates('id'), layer)}"
    _emit(frame, ["id", "name", "rank", "nearest_id", "nearest_name", "distance_km"],
          caption, "nearest", **out)


def _area_command(name: str, verb: str):
    @query.command(name, help=f"Features of LAYER {verb} --area.")
    @click.argument("layer")
    @click.option("--area", required=True, metavar="AREA",
                  help="Polygon layer, LAYER:ID, or an id or name in belts, countries or "
                       "provinces (central-mineral-belt, AFG, Logar).")
    @click.option("--where", default=None, metavar="EXPR",
                  help="Where filter on the features of LAYER.")
    @_options
    def command(layer, area, where, **out) -> None:
        atlas = _atlas(out["workspace"], out["as_of"])
        frame = getattr(atlas, name)(layer, area, where=where)
        _emit(frame, ["id", "name", "area_ids"], f"{_count(frame, layer)} {verb} {area}",
              name, **out)

    return command


within = _area_command("within", "inside")
intersects = _area_command("intersects", "touching")


@query.command()
@click.argument("layer")
@click.option("--by", required=True, metavar="LAYER",
              help="Areas to aggregate by: provinces, countries, belts.")
@click.option("--stat", "stats", multiple=True, metavar="SPEC",
              help="count, or sum|mean|min|max|list:FIELD (repeatable; default: count, "
                   "sum:contract_value_usd, list:name).")
@click.option("--where", default=None, metavar="EXPR",
              help="Where filter on the features of LAYER.")
@click.option("--by-where", default=None, metavar="EXPR",
              help="Where filter on the areas, e.g. \"iso3 == 'AFG'\".")
@click.option("--skip-empty", is_flag=True,
              help="Leave out areas holding no feature (needs the count statistic).")
@_options
def summarize(layer, by, stats, where, by_where, skip_empty, **out) -> None:
    """Count and aggregate LAYER per area of --by: a choropleth-ready table."""
    from ..query import apply_where, area_frame

    atlas = _atlas(out["workspace"], out["as_of"])
    areas = apply_where(area_frame(by, atlas), by_where, "--by-where",
                        layer=by if by in atlas.layers else None)
    frame = atlas.summarize(layer, areas, list(stats) or None, where=where)
    if skip_empty:
        frame = frame[frame["count"] > 0] if "count" in frame else frame
    stat_cols = [c for c in frame.columns if c not in areas.columns]
    caption = f"{layer} per {by}: {len(frame)} area{'s' if len(frame) != 1 else ''}"
    _emit(frame, ["id", "iso3", "name", *stat_cols], caption, "summarize", **out)


@query.command()
@click.argument("start")
@click.option("--to", "to", required=True, metavar="ID", help="Place or deposit to reach.")
@click.option("--via", multiple=True, metavar="ID",
              help="Place to pass on the way (repeatable, in order).")
@click.option("--where", default=None, metavar="EXPR",
              help="Where filter on the rail links and corridors used.")
@click.option("--as-line", is_flag=True,
              help="Output the whole path as one feature instead of one row per leg.")
@_options
def route(start, to, via, where, as_line, **out) -> None:
    """Shortest path from START to --to over rail links, corridors and connectors."""
    atlas = _atlas(out["workspace"], out["as_of"])
    result = atlas.route(start, to, list(via), where=where)
    if as_line:
        frame = result.to_frame()
        default = [c for c in frame.columns if c != "geometry"]
    else:
        frame = result.legs
        default = ["seq", "from_id", "to_id", "km", "cum_km", "layer", "features",
                   "connector", "countries"]
    _emit(frame, default, result.summary(), "route", **out)


# -- output ------------------------------------------------------------------------------
def _count(frame: pd.DataFrame, layer: str) -> str:
    name = layer.partition(":")[0]
    return f"{len(frame)} {name}" if len(frame) != 1 else f"1 feature of {name}"


def _select(frame: gpd.GeoDataFrame, columns: str | None, default: list[str],
            fmt: str) -> gpd.GeoDataFrame:
    geom = frame.geometry.name
    fields = [c for c in frame.columns if c != geom]
    if columns:
        wanted = [c.strip() for c in columns.split(",") if c.strip()]
        unknown = [c for c in wanted if c not in fields]
        if unknown:
            raise QueryError(f"unknown column(s) {', '.join(unknown)}; "
                             f"columns: {', '.join(fields)}")
    elif fmt in ("geojson", "gpkg"):
        wanted = fields
    else:
        wanted = [c for c in default if c in fields]
    return frame[[*wanted, geom]]


def _emit(frame, default, caption, name, *, fmt, out, overwrite, columns, raw_csv=False,
          **_) -> None:
    if fmt is None:
        if out is not None:
            fmt = _SUFFIXES.get(out.suffix.lower(), "csv")
        else:
            fmt = "table" if sys.stdout.isatty() else "csv"
    if fmt == "gpkg" and out is None:
        raise click.UsageError("--format gpkg needs --out PATH")
    data = _select(frame, columns, default, fmt)
    if fmt in ("geojson", "gpkg"):
        _write_vector(data, fmt, out, name, overwrite)
        return
    table = data.drop(columns=data.geometry.name)
    if fmt == "csv" and not raw_csv:
        from ..export import csv_safe

        table = csv_safe(table)
    text = (caption + "\n\n" + _table(table) if fmt == "table"
            else _rounded(table).to_csv(index=False, lineterminator="\n"))
    if out is None:
        click.echo(text, nl=fmt == "table")
        return
    _write_text(out, text + ("\n" if fmt == "table" else ""), overwrite)
    click.echo(f"wrote {len(table)} row{'s' if len(table) != 1 else ''} to {out} ({fmt})")


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(3)
    return out


def _cell(value) -> str:
    import numpy as np

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else ""
    if isinstance(value, (float, np.floating)):
        return f"{value:,.0f}" if abs(value) >= 1e5 else f"{value:,.1f}"
    return str(value)


def _table(frame: pd.DataFrame) -> str:
    """Aligned plain-text columns; numbers right-aligned."""
    import pandas as pd

    if frame.empty:
        return "  ".join(map(str, frame.columns)) + "\n(no rows)"
    cols = [str(c) for c in frame.columns]
    cells = [[_cell(v) for v in frame[c].tolist()] for c in frame.columns]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
        frame[c]) for c in frame.columns]
    widths = [max(len(h), *(len(v) for v in col)) for h, col in zip(cols, cells)]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    rows = [line(cols), line(["-" * w for w in widths])]
    rows += [line([col[i] for col in cells]) for i in range(len(frame))]
    return "\n".join(rows)


def _write_text(path: Path, text: str, overwrite: bool) -> None:
    from ..errors import OutputError

    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; use --overwrite to replace it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    from .._atomic import write_text

    write_text(path, text)


def _write_vector(data: gpd.GeoDataFrame, fmt: str, out: Path | None, name: str,
                  overwrite: bool) -> None:
    from ..export import export_frame

    if out is not None:
        export_frame(data, out, fmt, layer=name, overwrite=overwrite)
        click.echo(f"wrote {len(data)} feature{'s' if len(data) != 1 else ''} to {out} ({fmt})")
        return
    with tempfile.TemporaryDirectory(prefix=".geoatlas-query-") as tmp:
        path = export_frame(data, Path(tmp) / f"{name}.geojson", "geojson", layer=name)
        click.echo(path.read_text(encoding="utf-8"), nl=False)

