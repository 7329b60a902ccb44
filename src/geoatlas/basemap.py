"""Build a workspace's reference basemap (``geo/basemap.gpkg``) for any region on Earth.

The basemap is one GeoPackage (EPSG:4326) with these layers:

``countries``
    The whole world, simplified by scale: full detail inside the region plus a margin,
    coarse (coverage-simplified, so neighbours keep one shared border) elsewhere. No frame
    or zoom ever shows a clip edge. ``kind`` is ``country`` or ``area`` (areas Natural
    Earth keeps apart but that are not countries: Siachen Glacier, the Baykonur lease,
    the UK bases on Cyprus, ...); ``is_country`` says whether it gets a country label.
``provinces``
    Admin-1 units that touch the region (whole, never clipped), when a source has them.
``country_labels``
    One point per country (inside its largest part), with its area for label priority.
``cities``
    Natural Earth populated places (capitals and the largest cities), when available.
``basemap_info``
    A key/value table: source, version, scale, licence, bbox, the credit line.

Renderers: the web map draws ``countries`` simplified again for the screen (0.01°)
and the provinces of the countries in view; the static map and QGIS draw ``countries``
as stored. Everything reads its credit line from :func:`credit`.

Examples
--------
>>> parse_bbox("-81,-56,-66,-17")
(-81.0, -56.0, -66.0, -17.0)
>>> parse_bbox("10,5,1,2")
Traceback (most recent call last):
...
ValueError: bbox '10,5,1,2': west must be less than east and south less than north
>>> credit({"source": "Natural Earth", "scale": "1:10m", "source_version": "v4.1.0",
...         "license": "public domain"})
'Basemap: Natural Earth 1:10m v4.1.0 (public domain).'
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import DataError, Problem, WorkspaceError

__all__ = [
    "NE_SOURCE",
    "WORLD_ASSET",
    "build_basemap",
    "credit",
    "find_ne_source",
    "for_screen",
    "parse_bbox",
    "read_info",
]

NE_SOURCE = Path("/usr/share/qgis/resources/data/world_map.gpkg")
"""Natural Earth 1:10m countries and admin-1 as Debian's ``qgis-common`` ships them."""
WORLD_ASSET = Path(__file__).resolve().parent / "assets" / "world.gpkg"
"""The world countries and cities the package ships (coarse), for ``geoatlas init``."""

EXTRA_LAYERS = ("country_labels", "cities", "lakes", "rivers")
"""Optional basemap layers a workspace loads into ``Catalog.basemap`` for renderers."""
CRS = "EPSG:4326"
MARGIN_DEG = 5.0
"""Degrees around the region kept at full detail."""
COARSE_TOLERANCE = 0.1
"""Degrees: the simplification of countries outside the region and its margin."""
FIXED_GPKG_DATE = "2000-01-01T00:00:00Z"  # pins gpkg_contents.last_change

COUNTRY_COLUMNS = ["iso3", "iso_a2", "name", "kind", "is_country", "iso3_source", "detail",
                   "geometry"]
PROVINCE_COLUMNS = ["id", "name", "alt_names", "iso3", "fips", "ne_name", "geometry"]
LABEL_COLUMNS = ["iso3", "name", "area_km2", "geometry"]
CITY_COLUMNS = ["id", "name", "iso3", "geometry"]

# Natural Earth 10m v4.1 admin-1 still uses the parent province's name (and FIPS code)
# on the polygons of two Afghan provinces created in 2004, and its woe_label values for
# Parwan and Panjshir are swapped. gn_name (GeoNames) is right for all four. A renamed
# row gets fips = NULL, because the parent's code would be wrong for it. Applied when
# the rows are in the region.  key (adm0_a3, NE name, NE gn_name) -> (name, alt_names)
NAME_FIXES = {
    ("AFG", "Parwan", "Panjshir"): ("Panjshir", []),
    ("AFG", "Parwan", "Parwan"): ("Parwan", ["Parvan"]),
    ("AFG", "Uruzgan", "Wilayat-e Daykundi"): ("Daykundi", ["Wilayat-e Daykundi"]),
}

_TRANSLIT = str.maketrans({"ə": "e", "Ə": "E", "ı": "i", "İ": "I", "ł": "l",
                           "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O",
                           "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"})
_ISO3_RE = re.compile(r"^[A-Z]{3}$")


def parse_bbox(text: str | Sequence[float]) -> tuple[float, float, float, float]:
    """Parse ``"W,S,E,N"`` (degrees) into a checked ``(west, south, east, north)`` tuple.

    >>> parse_bbox([28, 76, 36, 81])
    (28.0, 76.0, 36.0, 81.0)
    """
    parts = text.split(",") if isinstance(text, str) else list(text)
    shown = text if isinstance(text, str) else ",".join(str(p) for p in parts)
    try:
        w, s, e, n = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise ValueError(f"bbox '{shown}': give four numbers W,S,E,N in degrees, "
                         "e.g. -81,-56,-66,-17") from None
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        raise ValueError(f"bbox '{shown}': longitudes must be within -180..180 and "
                         "latitudes within -90..90 (W,S,E,N order)")
    if w >= e or s >= n:
        raise ValueError(f"bbox '{shown}': west must be less than east and south less "
                         "than north")
    return (w, s, e, n)


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


# ------------------------------------------------------------------------------------
# reading the sources
# ------------------------------------------------------------------------------------
def _clean(value) -> str | None:
    import pandas as pd

    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    value = str(value).strip()
    return value or None


def _clean_column(series):
    """Stripped strings, with None (not NaN) for missing values."""
    import pandas as pd

    return pd.Series([_clean(v) for v in series], index=series.index, dtype=object)


def slugify(text: str) -> str:
    """Lowercase ASCII kebab-case.

    >>> slugify("Şəki Rayonu")
    'seki-rayonu'
    """
    text = unicodedata.normalize("NFKD", str(text).translate(_TRANSLIT))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"['`\u2019\u02bb\u02bc]", "", text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def polygonal(geom):
    """Only the polygon parts of ``geom``, valid, as a MultiPolygon (None if none)."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = []
    for g in shapely.get_parts(geom):
        if isinstance(g, Polygon):
            polys.append(g)
        elif isinstance(g, MultiPolygon):
            polys.extend(g.geoms)
        elif g.geom_type == "GeometryCollection":
            sub = polygonal(g)
            if sub is not None:
                polys.extend(sub.geoms)
    polys = [p for p in polys if p.area > 0]
    if not polys:
        return None
    out = MultiPolygon(polys)
    if not out.is_valid:
        out = polygonal(shapely.make_valid(out))
    return out


def _to_4326(gdf):
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

    countries_src = _to_4326(pyogrio.read_dataframe(src, layer="countries"))
    provinces_src = _to_4326(pyogrio.read_dataframe(src, layer="states_provinces"))
    for col in ("iso_a2", "name", "adm0_a3", "admin", "fips", "woe_name", "woe_label",
                "gn_name", "gu_a3"):
        provinces_src[col] = _clean_column(provinces_src[col])
    for col in ("iso_a2", "NAME", "ISO_A3"):
        countries_src[col] = _clean_column(countries_src[col])
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
    countries = _to_4326(pyogrio.read_dataframe(path, layer="countries"))
    cities = _to_4326(pyogrio.read_dataframe(path, layer="cities"))
    return countries, cities, read_info(path)


def read_ne_cities(path: Path):
    """Natural Earth populated places (a shapefile/GeoPackage with a ``name`` column)."""
    import pyogrio

    gdf = _to_4326(pyogrio.read_dataframe(path))
    col = next((c for c in gdf.columns if c.lower() == "name"), None)
    if col is None:
        raise DataError([Problem(str(path), "no 'name' column in the populated places")])
    gdf = gdf.rename(columns={col: "name"})[["name", "geometry"]]
    gdf["name"] = [_clean(v) for v in gdf["name"]]
    return gdf[gdf["name"].notna() & gdf.geometry.notna()].reset_index(drop=True)


# ------------------------------------------------------------------------------------
# building
# ------------------------------------------------------------------------------------
def coarse_world(countries, tolerance: float = COARSE_TOLERANCE):
    """The countries simplified as a coverage: neighbours keep one shared border."""
    import shapely

    geoms = countries.geometry.to_numpy()
    try:
        simple = shapely.coverage_simplify(geoms, tolerance)
    except Exception:  # GEOS without coverage simplification, or not a clean coverage
        simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    out = countries.copy()
    out["geometry"] = [polygonal(g) or polygonal(o) for g, o in zip(simple, geoms, strict=True)]
    return out


def detail_by_scale(countries, coarse, detail_box):
    """Full geometry inside ``detail_box``, the coarse one outside; a ``detail`` column.

    Countries inside the box keep every vertex, countries outside get the coarse
    geometry, and a country that crosses the box edge is full inside and coarse outside.
    """
    import shapely

    box = shapely.box(*detail_box)
    geoms, detail = [], []
    for full, simple in zip(countries.geometry, coarse.geometry, strict=True):
        if full.within(box):
            geoms.append(full)
            detail.append("full")
        elif not full.intersects(box):
            geoms.append(simple)
            detail.append("coarse")
        else:
            inside = shapely.intersection(full, box)
            outside = shapely.difference(simple, box)
            geoms.append(polygonal(shapely.union(inside, outside, grid_size=None)) or full)
            detail.append("mixed")
    out = countries.copy()
    out["geometry"] = geoms
    out["detail"] = detail
    return out


def view_box(bounds: Sequence[float], margin_ratio: float = 0.5,
             min_margin: float = 2.0) -> tuple[float, float, float, float]:
    """``bounds`` grown by ``margin_ratio`` of its span (at least ``min_margin`` degrees).

    >>> view_box((60, 30, 70, 40))
    (55.0, 25.0, 75.0, 45.0)
    """
    w, s, e, n = (float(v) for v in bounds)
    dx = max(min_margin, (e - w) * margin_ratio)
    dy = max(min_margin, (n - s) * margin_ratio)
    return (max(-180.0, w - dx), max(-90.0, s - dy), min(180.0, e + dx), min(90.0, n + dy))


def screen_tolerance(bounds: Sequence[float]) -> float:
    """Degrees of simplification for a screen map of ``bounds``.

    About a pixel at the initial zoom (1/1500 of the span), between 0.01° and 0.05°.

    >>> screen_tolerance((60.4, 29.3, 75.2, 38.6)), screen_tolerance((20, 15, 125, 55))
    (0.01, 0.05)
    """
    w, s, e, n = bounds
    return float(min(0.05, max(0.01, round(max(e - w, n - s) / 1500, 3))))


def for_screen(countries, provinces, bounds: Sequence[float], fine: float | None = None,
               coarse: float = 2 * COARSE_TOLERANCE):
    """Basemap geometry for a screen map of ``bounds`` (what the web map embeds).

    Countries are simplified at ``fine`` degrees (default :func:`screen_tolerance`)
    inside :func:`view_box` and at ``coarse`` outside it, where islands smaller than
    ``coarse``² square degrees (a pixel or two at the zooms that show them) are left
    out: the whole world stays, without a clip edge, at a fraction of the bytes.
    Provinces are those that touch the map's bounds, simplified at ``fine``.
    Returns ``(countries, provinces)`` GeoDataFrames with the same columns.

    >>> import geopandas as gpd, shapely
    >>> ring = shapely.Point(0, 0).buffer(10, quad_segs=256)
    >>> far = shapely.Point(100, 0).buffer(10, quad_segs=256)
    >>> c = gpd.GeoDataFrame({"iso3": ["AAA", "BBB"]}, geometry=[ring, far], crs=CRS)
    >>> near_c, _ = for_screen(c, c.iloc[:0], (-5, -5, 5, 5))
    >>> [bool(shapely.get_num_coordinates(g) < 100) for g in near_c.geometry]
    [False, True]
    """
    import numpy as np
    import shapely

    fine = screen_tolerance(bounds) if fine is None else fine
    box = view_box(bounds)
    simple = coarse_world(countries, coarse)
    kept = []
    for g in simple.geometry:
        parts = shapely.get_parts(g)
        area = shapely.area(parts)
        kept.append(polygonal(shapely.multipolygons(
            parts[(area >= coarse * coarse) | (area == area.max())])))
    simple["geometry"] = kept
    fine_c = countries.copy()
    fine_c["geometry"] = shapely.simplify(countries.geometry.to_numpy(), fine,
                                          preserve_topology=True)
    shaped = detail_by_scale(fine_c, simple, box)
    shaped = shaped[np.asarray([g is not None and not g.is_empty for g in shaped.geometry])]
    prov = provinces[provinces.geometry.intersects(shapely.box(*bounds))].copy()
    prov["geometry"] = shapely.simplify(prov.geometry.to_numpy(), fine,
                                        preserve_topology=True)
    return shaped, prov


def _province_names(prov):
    names, alts, fips = [], [], []
    for rec in prov.itertuples():
        key = (rec.adm0_a3, rec.name, rec.gn_name)
        if key in NAME_FIXES:
            name, alt = NAME_FIXES[key]
        else:
            name = rec.name
            label = rec.woe_label.split(",")[0] if rec.woe_label else None
            alt = [rec.woe_name, label, rec.gn_name]
        seen, alt_clean = {str(name).casefold()}, []
        for a in alt:
            a = _clean(a)
            if a and a.casefold() not in seen:
                seen.add(a.casefold())
                alt_clean.append(a)
        names.append(name)
        fips.append(rec.fips if name == rec.name else None)
        alts.append(";".join(alt_clean) or None)
    return names, alts, fips


def make_ids(iso3: Iterable[str], names: Iterable[str], extras: Sequence[str | None],
             points) -> list[str]:
    """``<iso3>-<name>`` slugs, unique.

    Duplicates get ``extras`` appended, then a number in west-to-east order.

    >>> import shapely
    >>> make_ids(["AFG", "AFG"], ["Kabul", "Kabul"], [None, None],
    ...          [shapely.Point(2, 0), shapely.Point(1, 0)])
    ['afg-kabul-2', 'afg-kabul-1']
    """
    import pandas as pd

    base = [f"{i.lower()}-{slugify(n)}" for i, n in zip(iso3, names, strict=True)]
    ids = list(base)
    counts = pd.Series(base).value_counts()
    for i, extra in enumerate(extras):
        if counts[base[i]] > 1:
            extra = slugify(extra or "")
            if extra and extra != base[i].split("-", 1)[1]:
                ids[i] = f"{base[i]}-{extra}"
    counts = pd.Series(ids).value_counts()
    groups: dict[str, list[int]] = {}
    for i, ident in enumerate(ids):
        if counts[ident] > 1:
            groups.setdefault(ident, []).append(i)
    for key, members in groups.items():
        members.sort(key=lambda i: (round(points[i].x, 6), round(points[i].y, 6)))
        for n, i in enumerate(members, start=1):
            ids[i] = f"{key}-{n}"
    return ids


def ne_provinces(prov, region_box):
    """Admin-1 units touching the region, whole, with names, alt names and stable ids."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    box = shapely.box(*region_box)
    prov = prov[prov.geometry.intersects(box)].copy()
    if prov.empty:
        return gpd.GeoDataFrame(columns=PROVINCE_COLUMNS, geometry="geometry", crs=CRS)
    prov["ne_name"] = prov["name"]
    names, alts, fips = _province_names(prov)
    prov["name"] = names
    prov["fips"] = pd.Series(fips, index=prov.index, dtype=object)
    prov["alt_names"] = alts
    prov["geometry"] = [polygonal(g) for g in prov.geometry]
    prov = prov[prov.geometry.notna()]
    extras = [gn or fp for gn, fp in zip(prov["gn_name"], prov["fips"], strict=True)]
    points = prov.geometry.representative_point().to_numpy()
    prov["id"] = make_ids(prov["iso3"], prov["name"], extras, points)
    return prov.sort_values("id").reset_index(drop=True)[PROVINCE_COLUMNS]


def user_provinces(path: Path, countries, region_box):
    """Provinces from an analyst's file (any OGR format) with a ``name`` column.

    ``iso3`` is taken from the file, or else from the country each province lies in.
    """
    import shapely

    from .workspace import read_vector

    shown = str(path)
    try:
        gdf = _to_4326(read_vector(path))
    except Exception as exc:
        raise DataError([Problem(shown, f"cannot read provinces: {exc}")]) from None
    cols = {c.lower(): c for c in gdf.columns}
    if "name" not in cols:
        raise DataError([Problem(shown, "provinces need a 'name' column; columns: "
                                        f"{', '.join(map(str, gdf.columns))}")])
    gdf = gdf.rename(columns={cols["name"]: "name"})
    if "iso3" in cols:
        gdf = gdf.rename(columns={cols["iso3"]: "iso3"})
    else:  # the country each province overlaps most
        gdf["iso3"] = [_main_country(g, countries) for g in gdf.geometry]
    bad = [str(i) for i, (n, c) in enumerate(zip(gdf["name"], gdf["iso3"], strict=True))
           if not _clean(n) or not _clean(c)]
    if bad:
        raise DataError([Problem(shown, "has no name or lies in no country; give it a 'name' "
                                        "(and the file an 'iso3' column)", feature=i)
                         for i in bad])
    gdf["geometry"] = [polygonal(g) for g in gdf.geometry]
    gdf = gdf[gdf.geometry.notna() & gdf.geometry.intersects(shapely.box(*region_box))].copy()
    for col in ("alt_names", "fips"):
        if col not in gdf:
            gdf[col] = None
    gdf["ne_name"] = None
    points = gdf.geometry.representative_point().to_numpy()
    gdf["id"] = make_ids(gdf["iso3"], gdf["name"], [None] * len(gdf), points)
    return gdf.sort_values("id").reset_index(drop=True)[PROVINCE_COLUMNS]


def _main_country(geom, countries) -> str | None:
    """The iso3 of the country ``geom`` overlaps most (None: none)."""
    import shapely

    if geom is None or geom.is_empty:
        return None
    near = countries[countries.geometry.intersects(geom)]
    if near.empty:
        return None
    areas = shapely.area(shapely.intersection(near.geometry.to_numpy(), geom))
    return str(near["iso3"].iloc[int(areas.argmax())])


def label_points(countries):
    """One label point per country (the pole of inaccessibility of its largest part)."""
    import geopandas as gpd
    import numpy as np
    import shapely
    from shapely.ops import polylabel

    rows = []
    areas = gpd.GeoSeries(countries.geometry.to_numpy(), crs=CRS).to_crs("EPSG:6933").area
    for rec, area in zip(countries.itertuples(), areas.to_numpy(), strict=True):
        if not rec.is_country:
            continue
        parts = shapely.get_parts(rec.geometry)
        largest = parts[int(np.argmax(shapely.area(parts)))]
        tol = max(1e-3, (largest.bounds[2] - largest.bounds[0]) / 200)
        point = polylabel(largest, tolerance=tol)
        rows.append({"iso3": rec.iso3, "name": rec.name,
                     "area_km2": float(round(area / 1e6)), "geometry": point})
    gdf = gpd.GeoDataFrame(rows, columns=LABEL_COLUMNS, geometry="geometry", crs=CRS)
    return gdf.sort_values("iso3").reset_index(drop=True)


def place_cities(cities, countries):
    """Cities with the ``iso3`` of the country they lie in and a stable id."""
    import geopandas as gpd

    cities = cities[["name", "geometry"]].copy().reset_index(drop=True)
    hit = gpd.sjoin(cities, countries[["iso3", "geometry"]], how="left", predicate="within")
    iso3 = hit.groupby(level=0)["iso3"].first().reindex(cities.index)
    if iso3.isna().any():  # coastal capitals just off a generalised coast: the nearest
        near = gpd.sjoin_nearest(cities[iso3.isna()].to_crs("EPSG:3857"),
                                 countries[["iso3", "geometry"]].to_crs("EPSG:3857"))
        iso3 = iso3.fillna(near.groupby(level=0)["iso3"].first())
    cities["iso3"] = iso3.fillna("").astype(str)
    cities["id"] = make_ids([i or "xxx" for i in cities["iso3"]], cities["name"],
                            [None] * len(cities), cities.geometry.to_numpy())
    return cities.sort_values("id").reset_index(drop=True)[CITY_COLUMNS]


def region_bbox(countries, iso3: Iterable[str]) -> tuple[float, float, float, float]:
    """The bbox of the given countries.

    Only their large parts count, so that far islands do not stretch it around the globe.
    """
    import numpy as np
    import shapely

    wanted = [c.strip().upper() for c in iso3 if c.strip()]
    known = set(countries["iso3"])
    unknown = [c for c in wanted if c not in known]
    if unknown or not wanted:
        raise ValueError(f"unknown country code(s) {', '.join(unknown) or '(none given)'}; "
                         "give ISO 3166-1 alpha-3 codes such as CHL,PER")
    boxes = []
    for geom in countries[countries["iso3"].isin(wanted)].geometry:
        parts = shapely.get_parts(geom)
        areas = shapely.area(parts)
        keep = parts[areas >= 0.05 * areas.max()]
        boxes.append(shapely.total_bounds(keep))
    b = np.array(boxes)
    return parse_bbox([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])


def build_basemap(
    out: str | Path,
    bbox: str | Sequence[float] | None = None,
    countries: str | Iterable[str] | None = None,
    source: str | Path | None = None,
    provinces: str | Path | None = None,
    cities: str | Path | None = None,
    margin: float = MARGIN_DEG,
    coarse_tolerance: float = COARSE_TOLERANCE,
    extra_info: dict[str, str] | None = None,
) -> Path:
    """Write a basemap for the region ``bbox`` (or the bbox of ``countries``) to ``out``.

    Parameters
    ----------
    out : path
        The GeoPackage to write (atomically: a temporary file, checked, then moved).
    bbox : "W,S,E,N" or 4 numbers, optional
        The region. One of ``bbox`` and ``countries`` is required.
    countries : "CHL,PER" or list of ISO3 codes, optional
        The region as the countries it covers.
    source : path, optional
        Natural Earth ``world_map.gpkg`` (full detail, with admin-1); default: found by
        :func:`find_ne_source`, else the packaged coarse world (no provinces).
    provinces : path, optional
        An analyst's provinces file (any OGR format, a ``name`` column); replaces
        Natural Earth admin-1.
    cities : path, optional
        Natural Earth populated places; default: the packaged ones.
    margin, coarse_tolerance : float
        Degrees of full detail around the region; simplification elsewhere.

    Returns
    -------
    Path
        ``out``.

    Examples
    --------
    >>> import tempfile, pyogrio
    >>> path = build_basemap(tempfile.mkdtemp() + "/b.gpkg", bbox="10,76,35,81")
    >>> sorted(name for name, _ in pyogrio.list_layers(path))
    ['basemap_info', 'cities', 'countries', 'country_labels', 'provinces']
    >>> read_info(path)["bbox"]
    '10,76,35,81'
    """
    import geopandas as gpd
    import pandas as pd

    if bbox is None and countries is None:
        raise ValueError("give a region: a bbox W,S,E,N or a list of ISO3 country codes")
    src = find_ne_source(source)
    if source and src is None:
        raise WorkspaceError(f"{source}: no such Natural Earth world_map.gpkg")
    asset_countries, asset_cities, asset_info = read_asset()
    if src is not None:
        world, ne_prov = read_ne(src)
        origin = {"source": "Natural Earth 1:10m Cultural Vectors (Admin 0 - Countries, "
                            "Admin 1 - States, Provinces)",
                  "source_file": f"{src.name} (Debian qgis-common, QGIS-generalised)",
                  "source_sha256": _sha256(src)}
    else:
        world, ne_prov = asset_countries.drop(columns=["detail"], errors="ignore"), None
        origin = {"source": asset_info.get("source", "Natural Earth"),
                  "source_file": "geoatlas package asset world.gpkg",
                  "simplification_source": asset_info.get("simplification", "")}
    world = world.sort_values("iso3").reset_index(drop=True)
    world["is_country"] = world["kind"] == "country"
    if countries is not None:
        codes = countries.split(",") if isinstance(countries, str) else list(countries)
        region = region_bbox(world, codes)
        if bbox is not None:
            b = parse_bbox(bbox)
            region = (min(b[0], region[0]), min(b[1], region[1]),
                      max(b[2], region[2]), max(b[3], region[3]))
    else:
        region = parse_bbox(bbox)
    w, s, e, n = region
    detail_box = (max(-180.0, w - margin), max(-90.0, s - margin),
                  min(180.0, e + margin), min(90.0, n + margin))

    coarse = coarse_world(world, coarse_tolerance)
    shaped = detail_by_scale(world, coarse, detail_box)
    shaped = gpd.GeoDataFrame(shaped, geometry="geometry", crs=CRS)[COUNTRY_COLUMNS]
    if provinces is not None:
        prov = user_provinces(Path(provinces), world, region)
        prov_source = f"analyst file {Path(provinces).name}"
    elif ne_prov is not None:
        prov = ne_provinces(ne_prov, region)
        prov_source = "Natural Earth 1:10m Admin 1 - States, Provinces"
    else:
        prov = gpd.GeoDataFrame(columns=PROVINCE_COLUMNS, geometry="geometry", crs=CRS)
        prov_source = "none (no Natural Earth admin-1 on this machine; init --provinces FILE)"
    city_frame = read_ne_cities(Path(cities)) if cities else asset_cities
    city_frame = place_cities(city_frame, world)
    labels = label_points(world)

    info = {
        "source_short": "Natural Earth",
        "scale": "1:10m",
        "source_version": asset_info.get("source_version", "v4.1.0"),
        "license": "public domain",
        "license_note": "Natural Earth terms of use: all Natural Earth data is in the "
                        "public domain; credit 'Made with Natural Earth'",
        **origin,
        "provinces_source": prov_source,
        "cities_source": (asset_info.get("cities_source", "") if not cities
                          else f"Natural Earth populated places from {Path(cities).name}"),
        "crs": CRS,
        "bbox": ",".join(f"{v:g}" for v in region),
        "detail_bbox": ",".join(f"{v:g}" for v in detail_box),
        "simplification": (f"full detail within detail_bbox; outside it coverage-simplified "
                           f"at {coarse_tolerance:g} degrees"),
        "countries_rows": str(len(shaped)),
        "provinces_rows": str(len(prov)),
        "build": "geoatlas.basemap.build_basemap",
        **(extra_info or {}),
    }
    info["credit"] = credit({k: v for k, v in info.items() if k != "credit"})
    table = pd.DataFrame(sorted(info.items()), columns=["key", "value"])
    _write(Path(out), {"countries": shaped, "provinces": prov, "country_labels": labels,
                       "cities": city_frame}, table)
    return Path(out)


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
    return problems


def _write(out: Path, layers: dict, info) -> None:
    import pyogrio

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.stem}.{os.getpid()}.tmp.gpkg"
    for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_GPKG_DATE})
    try:
        for name, gdf in layers.items():
            kw = {"promote_to_multi": True} if name in ("countries", "provinces") else {}
            if name == "provinces":
                kw["geometry_type"] = "MultiPolygon"
            pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG", **kw)
        pyogrio.write_dataframe(info, tmp, layer="basemap_info", driver="GPKG")
        problems = check_basemap(tmp)
        if problems:
            raise DataError([Problem(str(out), m) for m in problems])
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
