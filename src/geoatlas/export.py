"""Export one layer to a GIS file: GeoPackage, GeoJSON, GeoParquet, FlatGeobuf or Shapefile.

Every format is written into a private folder next to the target and moved into place
(:func:`geoatlas._atomic.staged_new`), so a failed export never leaves a half-written
file behind. The frame is first flattened into plain OGR types by
:func:`geoatlas.ogr.ogr_frame` (the same flattening the QGIS GeoPackage uses): lists
become ``;``-separated strings, dates ISO 8601 text.

GeoJSON follows RFC 7946: lon/lat order, right-hand winding, no ``crs`` member and
coordinates rounded to 7 decimals (about 1 cm). FlatGeobuf gets a spatial index, so its
features come back in index order. Shapefile field names are cut to 10 characters by
:func:`shapefile_names`.

Examples
--------
>>> import geoatlas
>>> atlas = geoatlas.open()                                             # doctest: +SKIP
>>> export_layer(atlas, "deposits", "deposits.geojson", "geojson")      # doctest: +SKIP
PosixPath('deposits.geojson')
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ._atomic import staged_new, write_text
from .errors import OutputError, QueryError
from .formats import EXPORT_ENGINES, EXPORT_FORMATS
from .ogr import GPKG_VERSION, ogr_frame

__all__ = [
    "ENGINES",
    "FORMATS",
    "FORMAT_OPTIONS",
    "FORMULA_PREFIXES",
    "SHAPEFILE_SIDECARS",
    "csv_safe",
    "export_csv",
    "export_frame",
    "export_layer",
    "shapefile_names",
]


FORMATS = EXPORT_FORMATS
"""Format name -> (OGR driver, file suffix) (:data:`geoatlas.formats.EXPORT_FORMATS`)."""
ENGINES = EXPORT_ENGINES
SHAPEFILE_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
FORMAT_OPTIONS: dict[str, dict[str, str]] = {
    "gpkg": {"VERSION": GPKG_VERSION},
    "geojson": {"RFC7946": "YES"},
    "shp": {"ENCODING": "UTF-8"},
    "fgb": {},
}
"""OGR creation options per format (dataset and layer options, as fiona takes them)."""


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is a formula to a spreadsheet (OWASP)."""


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    r"""Neutralise spreadsheet formulas in the text cells of a frame written as CSV for people.

    Following OWASP's advice on CSV injection, a text cell that starts with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return gets a leading ``'``, so Excel, LibreOffice and
    Google Sheets show it as text instead of running it (``=HYPERLINK(...)``,
    ``+cmd|...``). Numbers are left alone (a negative number stays a number); only
    strings change, in cells and in the header. CSV meant for programs skips this
    (``geoatlas query --raw-csv``).

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to write.

    Returns
    -------
    pandas.DataFrame
        A copy with neutralised text cells.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ['=HYPERLINK("http://x")', "-rail", "Kabul"],
    ...                    "km": [-12.5, 3.0, 0.0]})
    >>> safe = csv_safe(df)
    >>> safe["name"].tolist(), safe["km"].tolist()
    (['\'=HYPERLINK("http://x")', "'-rail", 'Kabul'], [-12.5, 3.0, 0.0])
    """
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = pd.Series([_neutralise_cell(v) for v in series], index=series.index,
                                 dtype=series.dtype)
    out.columns = [_neutralise_cell(c) for c in out.columns]  # field names of dropped-in files
    return out


def _neutralise_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def shapefile_names(columns) -> dict[str, str]:
    """Map column names to unique Shapefile (dBASE) names of at most 10 characters.

    Parameters
    ----------
    columns : iterable of str
        Column names, in order.

    Returns
    -------
    dict
        ``{name: short_name}`` for every column; short names are unique.

    Examples
    --------
    >>> shapefile_names(["contract_ids", "contract_value_usd", "id"])
    {'contract_ids': 'contract_i', 'contract_value_usd': 'contract_v', 'id': 'id'}
    >>> shapefile_names(["location_a", "location_ab"])
    {'location_a': 'location_a', 'location_ab': 'location_1'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in columns:
        short = name[:10]
        n = 1
        while short.lower() in used:
            suffix = str(n)
            short = name[: 10 - len(suffix)] + suffix
            n += 1
        used.add(short.lower())
        out[name] = short
    return out


def export_frame(
    frame: gpd.GeoDataFrame,
    path: str | Path,
    format: str | None = None,
    engine: str = "pyogrio",
    layer: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a GeoDataFrame to ``path`` in ``format``, atomically.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The features (any CRS; written in EPSG:4326).
    path : str or pathlib.Path
        The target file. For Shapefile, the sidecar files go next to it.
    format : str, optional
        One of :data:`FORMATS`; default: from the suffix of ``path``.
    engine : {"pyogrio", "fiona"}
        The OGR binding that writes. GeoParquet is always written by pyarrow.
    layer : str, optional
        Layer name inside a GeoPackage (default: the file stem).
    overwrite : bool
        Replace an existing file (default: refuse).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    QueryError
        Unknown format or engine.
    OutputError
        The file exists (and ``overwrite`` is false) or could not be written; any
        previous file is left untouched.
    """
    path = Path(path)
    fmt = _format_for(path, format)
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; use --overwrite (overwrite=True) to replace it")
    if engine not in ENGINES:
        raise QueryError(f"unknown engine '{engine}'; engines: {', '.join(ENGINES)}")
    data = ogr_frame(frame)
    if fmt == "shp":
        data = data.rename(columns=shapefile_names(c for c in data.columns
                                                   if c != data.geometry.name))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    with staged_new(path, SHAPEFILE_SIDECARS if fmt == "shp" else ()) as new:
        try:
            _write(data, new, fmt, engine, layer or path.stem)
        except Exception as exc:  # drivers raise many types; report them as one
            raise OutputError(f"cannot write {path} as {fmt} with {engine}: {exc}") from exc
    return path


def export_csv(frame: pd.DataFrame, path: str | Path, overwrite: bool = False,
               raw: bool = False) -> Path:
    """Write a layer or table as CSV for people (spreadsheets), atomically.

    The attributes are flattened as for every format (:func:`geoatlas.ogr.ogr_frame`); a geometry
    becomes a ``wkt`` column (lon/lat, EPSG:4326). Text cells that a spreadsheet would
    run as a formula are neutralised by :func:`csv_safe` unless ``raw`` is true.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The rows to write.
    path : str or pathlib.Path
        The target file.
    overwrite : bool
        Replace an existing file (default: refuse).
    raw : bool
        Keep formula-like cells unchanged (CSV for programs).

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile
    >>> df = pd.DataFrame({"id": ["a"], "name": ["=1+1"], "km": [-3.5]})
    >>> p = export_csv(df, Path(tempfile.mkdtemp()) / "a.csv")
    >>> p.read_text().splitlines()
    ['id,name,km', "a,'=1+1,-3.5"]
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; use --overwrite (overwrite=True) to replace it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    data = ogr_frame(frame)
    if isinstance(data, gpd.GeoDataFrame):
        geom = data.geometry.name
        wkt = data.geometry.to_wkt(rounding_precision=7).astype(object)
        data = pd.DataFrame(data.drop(columns=geom)).assign(wkt=wkt.to_numpy())
    if not raw:
        data = csv_safe(data)
    try:
        write_text(path, data.to_csv(index=False, lineterminator="\n"))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def export_layer(
    atlas: Mapping,
    name: str,
    path: str | Path,
    format: str | None = None,
    engine: str = "pyogrio",
    overwrite: bool = False,
) -> Path:
    """Export layer ``name`` of ``atlas`` to ``path`` (see :func:`export_frame`).

    Parameters
    ----------
    atlas : geoatlas.Atlas
        The loaded workspace.
    name : str
        A spatial layer of the atlas (``atlas.layers``).
    path : str or pathlib.Path
        The target file.
    format : {"gpkg", "geojson", "parquet", "fgb", "shp"}, optional
        Default: from the suffix of ``path``.
    engine : {"pyogrio", "fiona"}
        The OGR binding that writes (GeoParquet is always written by pyarrow).
    overwrite : bool
        Replace an existing file (default: refuse).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    QueryError
        Unknown layer, format or engine.
    OutputError
        The file exists (without ``overwrite``) or could not be written.
    """
    layers = list(getattr(atlas, "layers", []))
    if name not in layers:
        raise QueryError(f"unknown layer '{name}'; layers: {', '.join(layers)}")
    return export_frame(atlas[name], path, format, engine, layer=name, overwrite=overwrite)


def _format_for(path: Path, format: str | None) -> str:
    if format is None:
        by_suffix = {suffix: fmt for fmt, (_, suffix) in FORMATS.items()}
        by_suffix[".json"] = "geojson"
        fmt = by_suffix.get(path.suffix.lower())
        if fmt is None:
            raise QueryError(f"cannot tell the format of '{path}' from its suffix; "
                             f"pass one of: {', '.join(FORMATS)}")
        return fmt
    if format not in FORMATS:
        raise QueryError(f"unknown format '{format}'; formats: {', '.join(FORMATS)}")
    return format


def _write(data: gpd.GeoDataFrame, path: Path, fmt: str, engine: str, layer: str) -> None:
    if fmt == "parquet":
        data.to_parquet(path, index=False, schema_version="1.0.0")
        return
    driver = FORMATS[fmt][0]
    options = FORMAT_OPTIONS[fmt]
    geometry_type = _geometry_type(data)
    if fmt == "geojson" and geometry_type.startswith("Multi"):
        geometry_type = "Unknown"  # GeoJSON types each feature: write them as they are
    kwargs = {"layer": layer} if fmt == "gpkg" else {}
    if engine == "pyogrio":
        import pyogrio

        dataset = {k: v for k, v in options.items() if k == "VERSION"}
        layer_opts = {k: v for k, v in options.items() if k != "VERSION"}
        pyogrio.write_dataframe(
            data, path, driver=driver, geometry_type=geometry_type,
            promote_to_multi=geometry_type.startswith("Multi"),
            dataset_options=dataset or None, layer_options=layer_opts or None,
            use_arrow=True, **kwargs,  # columns go to GDAL as Arrow arrays, not row by row
        )
    else:
        if geometry_type.startswith("Multi"):
            data = _promote(data)
        schema = gpd.io.file.infer_schema(data)
        schema["geometry"] = geometry_type
        fiona_options = {k: v for k, v in options.items() if k != "ENCODING"}
        data.to_file(path, driver=driver, engine="fiona", schema=schema, encoding="utf-8",
                     **kwargs, **fiona_options)


def _geometry_type(data: gpd.GeoDataFrame) -> str:
    """One OGR geometry type for the layer: promote to Multi* when kinds are mixed."""
    kinds = set(data.geom_type.dropna())
    if not kinds:
        return "Unknown"
    if len(kinds) == 1:
        return kinds.pop()
    bases = {k.removeprefix("Multi") for k in kinds}
    if len(bases) == 1:
        return "Multi" + bases.pop()
    return "Unknown"


def _promote(data: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import shapely

    single = data.geom_type.isin(["Point", "LineString", "Polygon"]).to_numpy()
    if not single.any():
        return data
    out = data.copy()
    geoms = out.geometry.to_numpy().copy()
    for kind, maker in (("Point", shapely.multipoints), ("LineString", shapely.multilinestrings),
                        ("Polygon", shapely.multipolygons)):
        mask = (out.geom_type == kind).to_numpy()
        if mask.any():
            geoms[mask] = [maker([g]) for g in geoms[mask]]
    out[out.geometry.name] = gpd.GeoSeries(geoms, index=out.index, crs=out.crs)
    return out

