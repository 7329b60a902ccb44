"""Where the world comes from: Natural Earth on this machine, or the packaged coarse world.

:func:`find_ne_source` finds Natural Earth 1:10m (``world_map.gpkg`` as Debian's
``qgis-common`` ships it); :func:`read_ne` turns it into one row per country or area
(with an ``iso3`` for each) plus its admin-1 units; :func:`read_asset` reads the coarse
world and cities the package ships for machines without it; :func:`read_ne_cities`
reads Natural Earth populated places. Everything comes back in EPSG:4326.

Examples
--------
>>> find_ne_source("/nonexistent/world_map.gpkg") is None
True
>>> clean_text("  Kabul "), clean_text(float("nan"))
('Kabul', None)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import DataError, Problem, WorkspaceError
from .file import CRS, lost_letters, read_info
from .shapes import polygonal

__all__ = [
    "CITY_NAME_REPAIRS",
    "NE_SOURCE",
    "WORLD_ASSET",
    "clean_column",
    "clean_text",
    "find_ne_source",
    "read_asset",
    "read_ne",
    "read_ne_cities",
    "sha256",
    "to_4326",
]

NE_SOURCE = Path("/usr/share/qgis/resources/data/world_map.gpkg")
"""Natural Earth 1:10m countries and admin-1 as Debian's ``qgis-common`` ships them."""
WORLD_ASSET = Path(__file__).resolve().parent.parent / "assets" / "world.gpkg"
"""The world countries and cities the package ships (coarse), for ``geoatlas init``."""

_ISO3_RE = re.compile(r"^[A-Z]{3}$")

CITY_NAME_REPAIRS = {"Chi?in?u": "Chișinău", "?saka": "Osaka"}
"""City names whose letters the geopandas copy of Natural Earth's populated places lost.

Its DBF is Latin-1, so letters outside it (ș and ă in Chișinău, Ō in Ōsaka) were stored
as ``?``. They are spelled here as English-language maps spell them; any other name with
a lost letter stops the build (:func:`read_ne_cities`) instead of reaching a map.
"""


def find_ne_source(path: str | Path | None = None) -> Path | None:
    """The Natural Earth ``world_map.gpkg`` to read, or None when none is on this machine.

    Looks at ``path``, then ``$GEOATLAS_NE_SOURCE``, then Debian's ``qgis-common`` copy.

    >>> find_ne_source("/nonexistent/world_map.gpkg") is None
    True
    """
    for candidate in (path, os.environ.get("GEOATLAS_NE_SOURCE"), NE_SOURCE):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
        if path:  # an explicit path that does not exist: do not fall back silently
            return None
    return None


def clean_text(value) -> str | None:
    """``value`` as stripped text; None for a missing value (None, NaN) or blank text."""
    import pandas as pd

    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    value = str(value).strip()
    return value or None


def clean_column(series):
    """Stripped strings, with None (not NaN) for missing values."""
    import pandas as pd

    return pd.Series([clean_text(v) for v in series], index=series.index, dtype=object)


def to_4326(gdf):
    """``gdf`` in EPSG:4326 (a frame without a CRS is taken to be in it)."""
    if gdf.crs is None:
        return gdf.set_crs(CRS)
    return gdf if gdf.crs.to_epsg() == 4326 else gdf.to_crs(CRS)


def read_ne(src: Path):
    """Natural Earth countries (whole world) and admin-1 from a QGIS ``world_map.gpkg``.

    Returns ``(countries, provinces)``: countries with iso3/iso_a2/name/kind/iso3_source;
    admin-1 rows with NE's columns plus ``iso3``.
    """
    import geopandas as gpd
    import pyogrio
    import shapely

    countries_src = to_4326(pyogrio.read_dataframe(src, layer="countries"))
    provinces_src = to_4326(pyogrio.read_dataframe(src, layer="states_provinces"))
    for col in ("iso_a2", "name", "adm0_a3", "admin", "fips", "woe_name", "woe_label",
                "gn_name", "gu_a3"):
        provinces_src[col] = clean_column(provinces_src[col])
    for col in ("iso_a2", "NAME", "ISO_A3"):
        countries_src[col] = clean_column(countries_src[col])
    adm0_by_a2 = provinces_src.groupby("iso_a2")["adm0_a3"].agg(lambda s: sorted(set(s)))

    rows = []
    for rec in countries_src[countries_src["NAME"].notna()].itertuples():
        iso3, how = rec.ISO_A3, "ISO_A3"
        if not (iso3 and _ISO3_RE.match(iso3)):
            codes = adm0_by_a2.get(rec.iso_a2, [])
            if len(codes) != 1:
                raise DataError([Problem(str(src), f"no unique iso3 for country {rec.NAME!r}")])
            iso3, how = codes[0], "NE_ADM0_A3"
        rows.append({"iso3": iso3, "iso_a2": rec.iso_a2, "name": rec.NAME,
                     "kind": "country", "iso3_source": how, "geometry": rec.geometry})
    iso3_by_a2 = {r["iso_a2"]: r["iso3"] for r in rows}
    # Areas outside the named countries (Northern Cyprus, the UK bases on Cyprus,
    # Baykonur, Siachen, ...) become their own rows from the admin-1 layer, keyed by
    # NE's adm0_a3: kept as land, not labelled as countries.
    orphans = provinces_src[~provinces_src["iso_a2"].isin(list(iso3_by_a2))]
    taken = set(iso3_by_a2.values())
    for (adm0, a2), grp in orphans.groupby(["adm0_a3", "iso_a2"], sort=True):
        admin = sorted(set(grp["admin"].dropna()))
        name = admin[0] if admin else adm0
        if adm0 in taken:  # a territory of a named country (Tokelau): its own geounit
            adm0 = sorted(set(grp["gu_a3"].dropna()))[0]
            name = sorted(set(grp["name"].dropna()))[0]
        rows.append({"iso3": adm0, "iso_a2": None if a2 == "-1" else a2, "name": name,
                     "kind": "area", "iso3_source": "NE_ADM0_A3",
                     "geometry": shapely.union_all(grp.geometry.values)})
    countries = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    countries["geometry"] = [polygonal(g) for g in countries.geometry]
    countries = countries[countries.geometry.notna()]
    if countries["iso3"].duplicated().any():
        dups = sorted(countries.loc[countries["iso3"].duplicated(), "iso3"])
        raise DataError([Problem(str(src), f"duplicate country iso3 {dups}")])
    prov = provinces_src.copy()
    prov["iso3"] = [iso3_by_a2.get(a2, adm0)
                    for a2, adm0 in zip(prov["iso_a2"], prov["adm0_a3"], strict=True)]
    return countries.reset_index(drop=True), prov


def read_asset(path: Path = WORLD_ASSET):
    """The packaged world ``countries`` and ``cities`` (coarse), with its info table."""
    import pyogrio

    if not path.is_file():
        raise WorkspaceError(f"{path}: the packaged world layer is missing; reinstall "
                             "geoatlas")
    countries = to_4326(pyogrio.read_dataframe(path, layer="countries"))
    cities = to_4326(pyogrio.read_dataframe(path, layer="cities"))
    return countries, cities, read_info(path)


def read_ne_cities(path: Path):
    """Natural Earth populated places (a shapefile/GeoPackage with a ``name`` column)."""
    import pyogrio

    gdf = to_4326(pyogrio.read_dataframe(path))
    col = next((c for c in gdf.columns if c.lower() == "name"), None)
    if col is None:
        raise DataError([Problem(str(path), "no 'name' column in the populated places")])
    gdf = gdf.rename(columns={col: "name"})[["name", "geometry"]]
    names = [clean_text(v) for v in gdf["name"]]
    gdf["name"] = [CITY_NAME_REPAIRS.get(n, n) for n in names]
    lost = sorted({n for n in gdf["name"].dropna() if lost_letters(n)})
    if lost:
        raise DataError([Problem(str(path), f"city name {n!r} has letters lost to the file's "
                                 "encoding; add its spelling to "
                                 "geoatlas.basemap.sources.CITY_NAME_REPAIRS") for n in lost])
    return gdf[gdf["name"].notna() & gdf.geometry.notna()].reset_index(drop=True)


def sha256(path: Path) -> str:
    """The SHA-256 hex digest of a file (read in 1 MiB chunks), for provenance."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
