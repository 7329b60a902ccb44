"""The basemap file: its layers and columns, its info table and credit line, its checks.

``geo/basemap.gpkg`` is one GeoPackage in EPSG:4326 (see :mod:`geoatlas.basemap` for
its layers). This module knows the file itself: the column lists every builder writes,
:func:`read_info` and :func:`credit` for the ``basemap_info`` table every renderer
credits, :func:`check_basemap` for what a workspace needs of a basemap, and
:func:`write_basemap`, which writes the layers to a temporary file, checks it and only
then moves it into place.

Examples
--------
>>> credit({"source": "Natural Earth", "scale": "1:10m", "source_version": "v4.1.0",
...         "license": "public domain"})
'Basemap: Natural Earth 1:10m v4.1.0 (public domain).'
"""

from __future__ import annotations

from pathlib import Path

from .._atomic import staged_new
from ..errors import DataError, Problem

__all__ = [
    "CITY_COLUMNS",
    "COUNTRY_COLUMNS",
    "CRS",
    "EXTRA_LAYERS",
    "LABEL_COLUMNS",
    "NAMED_LAYERS",
    "PROVINCE_COLUMNS",
    "check_basemap",
    "credit",
    "lost_letters",
    "read_info",
    "write_basemap",
]

EXTRA_LAYERS = ("country_labels", "cities", "lakes", "rivers")
"""Optional basemap layers a workspace loads into ``Catalog.basemap`` for renderers."""
CRS = "EPSG:4326"
FIXED_GPKG_DATE = "2000-01-01T00:00:00Z"  # pins gpkg_contents.last_change

COUNTRY_COLUMNS = ["iso3", "iso_a2", "name", "kind", "is_country", "iso3_source", "detail",
                   "geometry"]
PROVINCE_COLUMNS = ["id", "name", "alt_names", "iso3", "fips", "ne_name", "geometry"]
LABEL_COLUMNS = ["iso3", "name", "area_km2", "geometry"]
CITY_COLUMNS = ["id", "name", "iso3", "geometry"]


def read_info(path: str | Path) -> dict[str, str]:
    """The ``basemap_info`` table of a basemap as a dict (empty if it has none)."""
    import pyogrio

    try:
        names = {name for name, _ in pyogrio.list_layers(path)}
        if "basemap_info" not in names:
            return {}
        table = pyogrio.read_dataframe(path, layer="basemap_info", read_geometry=False)
    except Exception:  # an unreadable basemap is reported by the workspace loader
        return {}
    return {str(k): str(v) for k, v in zip(table["key"], table["value"], strict=False)}


def credit(info: dict[str, str] | None) -> str:
    """The credit line of a basemap, from its ``basemap_info`` (one sentence).

    >>> credit({})
    'Basemap: see geo/basemap.gpkg.'
    """
    info = info or {}
    if info.get("credit"):
        return info["credit"]
    source = info.get("source_short") or info.get("source")
    if not source:
        return "Basemap: see geo/basemap.gpkg."
    parts = [source, info.get("scale", ""), info.get("source_version", "")]
    text = " ".join(p for p in parts if p)
    licence = info.get("license")
    return f"Basemap: {text}" + (f" ({licence})." if licence else ".")


def check_basemap(path: str | Path) -> list[str]:
    """Problems of a basemap file, as messages (empty list: usable by a workspace).

    It needs a ``countries`` layer with ``iso3`` and ``name`` and polygon geometry, and
    a ``provinces`` layer (it may be empty) with ``id``, ``name`` and ``iso3``.
    """
    import pyogrio

    path = Path(path)
    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:
        return [f"not a GeoPackage GDAL can read ({exc})"]
    problems = []
    needs = {"countries": ("iso3", "name"), "provinces": ("id", "name", "iso3")}
    for layer, columns in needs.items():
        if layer not in layers:
            problems.append(f"no '{layer}' layer (layers: {', '.join(sorted(layers))})")
            continue
        info = pyogrio.read_info(path, layer=layer)
        missing = [c for c in columns if c not in list(info["fields"])]
        if missing:
            problems.append(f"layer '{layer}' lacks column(s) {', '.join(missing)}")
        if info["geometry_type"] and "Polygon" not in info["geometry_type"]:
            problems.append(f"layer '{layer}' has {info['geometry_type']} geometry; "
                            "polygons expected")
        if layer == "countries" and info["features"] == 0:
            problems.append("layer 'countries' is empty")
    for layer in sorted(layers & NAMED_LAYERS):
        problems += _lost_letters(path, layer)
    return problems


NAMED_LAYERS = {"countries", "provinces", "country_labels", "cities"}
"""Basemap layers whose ``name`` is drawn on maps."""


def lost_letters(name: str) -> bool:
    """Whether a name shows letters lost to a wrong encoding (``?`` or U+FFFD).

    >>> lost_letters("Chi?in?u"), lost_letters("Chișinău")
    (True, False)
    """
    return "?" in name or "\ufffd" in name


def _lost_letters(path: Path, layer: str) -> list[str]:
    import pyogrio

    if "name" not in list(pyogrio.read_info(path, layer=layer)["fields"]):
        return []
    names = pyogrio.read_dataframe(path, layer=layer, columns=["name"], read_geometry=False)
    return [f"layer '{layer}' feature {i + 1}: name {n!r} has letters lost to a wrong "
            "encoding ('?' or U+FFFD); write the name in UTF-8"
            for i, n in enumerate(names["name"]) if isinstance(n, str) and lost_letters(n)]


def write_basemap(out: Path, layers: dict, info) -> None:
    """Write ``layers`` (name -> GeoDataFrame) and the ``info`` table to ``out``, atomically.

    The layers go to a temporary GeoPackage beside ``out`` with a pinned
    ``last_change`` date (same input, same bytes); :func:`check_basemap` must pass
    before the file replaces ``out``. Raises :class:`~geoatlas.errors.DataError` with
    the problems otherwise, leaving ``out`` as it was.
    """
    import pyogrio

    out.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_GPKG_DATE})
    try:
        with staged_new(out) as tmp:
            for name, gdf in layers.items():
                kw = {"promote_to_multi": True} if name in ("countries", "provinces") else {}
                if name == "provinces":
                    kw["geometry_type"] = "MultiPolygon"
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG", **kw)
            pyogrio.write_dataframe(info, tmp, layer="basemap_info", driver="GPKG")
            problems = check_basemap(tmp)
            if problems:
                raise DataError([Problem(str(out), m) for m in problems])
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
