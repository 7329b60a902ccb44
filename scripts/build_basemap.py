#!/usr/bin/env python3
"""Build the geoatlas reference basemap ``geo/basemap.gpkg``.

Source: Natural Earth 1:10m Cultural Vectors v4.1.0 (public domain), as
shipped in Debian's ``qgis-common`` package as
``/usr/share/qgis/resources/data/world_map.gpkg`` (layers ``countries`` and
``states_provinces``; QGIS generalised them slightly, see geo/README.md).

Usage::

    python scripts/build_basemap.py [--source PATH] [--out geo/basemap.gpkg]

Where the source comes from, first match wins:

1. ``--source PATH``: a ``world_map.gpkg``, or a ``qgis-common_*.deb``
   (it gets extracted with ``dpkg -x``);
2. the system path ``/usr/share/qgis/resources/data/world_map.gpkg``;
3. ``apt-get download qgis-common`` into a temporary directory, then
   ``dpkg -x`` (the only network access this script ever makes).

Output (EPSG:4326): layers ``countries``, ``provinces`` and the non-spatial
table ``basemap_info``. The file is written to a temporary file in the
output folder, checked, and then moved into place with ``os.replace``.
Rows are sorted, the columns are in a fixed order, and the GeoPackage
timestamps are pinned, so the same source gives the same bytes.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

SYSTEM_SOURCE = Path("/usr/share/qgis/resources/data/world_map.gpkg")
DEB_MEMBER = "usr/share/qgis/resources/data/world_map.gpkg"
NE_VERSION = "4.1.0"
# Known source files (sha256 -> qgis-common package version); this only labels
# the provenance and does not reject other versions of the file.
KNOWN_SOURCES = {
    "ff5cceefc4b27abea094fa82459d8aef9417023236c326a666978b62ffe85db2":
        "3.22.16+dfsg-1",
}

BBOX = (20.0, 15.0, 125.0, 55.0)  # lon_min, lat_min, lon_max, lat_max (to Nantong, E China)
CRS = "EPSG:4326"
FIXED_GPKG_DATE = "2000-01-01T00:00:00Z"  # pins gpkg_contents.last_change

COUNTRY_COLUMNS = ["iso3", "iso_a2", "name", "iso3_source", "geometry"]
PROVINCE_COLUMNS = ["id", "name", "alt_names", "iso3", "fips", "ne_name", "geometry"]

# Natural Earth 10m v4.1 admin-1 still uses the parent province's name (and
# FIPS code) on the polygons of two Afghan provinces created in 2004, and its
# woe_label values for Parwan and Panjshir are swapped. gn_name (GeoNames) is
# right for all four; the check points below confirm that. A renamed row gets
# fips = NULL, because the parent's code would be wrong for it.
# key (adm0_a3, NE name, NE gn_name) -> (name, alt_names)
NAME_FIXES = {
    ("AFG", "Parwan", "Panjshir"): ("Panjshir", []),
    ("AFG", "Parwan", "Parwan"): ("Parwan", ["Parvan"]),
    ("AFG", "Uruzgan", "Wilayat-e Daykundi"): ("Daykundi", ["Wilayat-e Daykundi"]),
}
# (iso3, province name, (lon, lat), place) sanity checks on the output
CHECK_POINTS = [
    ("AFG", "Logar", (69.2, 34.27), "Mes Aynak (approx.)"),
    ("AFG", "Kabul", (69.18, 34.53), "Kabul city"),
    ("AFG", "Parwan", (69.17, 35.015), "Charikar"),
    ("AFG", "Panjshir", (69.516, 35.313), "Bazarak"),
    ("AFG", "Daykundi", (66.14, 33.72), "Nili"),
    ("AFG", "Uruzgan", (65.87, 32.63), "Tarin Kowt"),
]
AFG_PROVINCES = sorted([
    "Badakhshan", "Badghis", "Baghlan", "Balkh", "Bamyan", "Daykundi",
    "Farah", "Faryab", "Ghazni", "Ghor", "Hilmand", "Hirat", "Jawzjan",
    "Kabul", "Kandahar", "Kapisa", "Khost", "Kunar", "Kunduz", "Laghman",
    "Logar", "Nangarhar", "Nimroz", "Nuristan", "Paktika", "Paktya",
    "Panjshir", "Parwan", "Samangan", "Sari Pul", "Takhar", "Uruzgan",
    "Wardak", "Zabul",
])
REQUIRED_ISO3 = [
    "AFG", "PAK", "CHN", "IRN", "TKM", "UZB", "TJK", "KGZ", "KAZ", "AZE",
    "GEO", "TUR", "IND", "RUS", "ARM", "IRQ", "SYR", "OMN", "ARE",
]

# letters that NFKD does not reduce to ASCII
_TRANSLIT = str.maketrans({"ə": "e", "Ə": "E", "ı": "i", "İ": "I", "ł": "l",
                           "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O",
                           "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"})
_ISO3_RE = re.compile(r"^[A-Z]{3}$")
_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def log(msg: str) -> None:
    print(f"[build_basemap] {msg}", file=sys.stderr)


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text).translate(_TRANSLIT))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"['`\u2019\u02bb\u02bc]", "", text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def clean(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    value = str(value).strip()
    return value or None


def clean_column(series: pd.Series) -> pd.Series:
    """Stripped strings, with None (not NaN) for missing values."""
    return pd.Series([clean(v) for v in series], index=series.index, dtype=object)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# source acquisition
# --------------------------------------------------------------------------
def _extract_deb(deb: Path, workdir: Path) -> tuple[Path, str | None]:
    dest = workdir / "x"
    subprocess.run(["dpkg", "-x", str(deb), str(dest)], check=True)
    gpkg = dest / DEB_MEMBER
    if not gpkg.is_file():
        sys.exit(f"error: {deb} does not contain {DEB_MEMBER}")
    version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"],
                             capture_output=True, text=True).stdout.strip()
    return gpkg, version or None


def find_source(arg: str | None, workdir: Path) -> tuple[Path, str, str | None]:
    """Return (gpkg path, how it was found, qgis-common version if known)."""
    if arg:
        path = Path(arg)
        if not path.is_file():
            sys.exit(f"error: --source {arg} does not exist")
        if path.suffix == ".deb":
            gpkg, version = _extract_deb(path, workdir)
            return gpkg, f"--source {path.name}", version
        return path, "--source", None
    if SYSTEM_SOURCE.is_file():
        res = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "qgis-common"],
                             capture_output=True, text=True)
        return SYSTEM_SOURCE, "system qgis-common", (res.stdout.strip() or None)
    log("world_map.gpkg not installed; running `apt-get download qgis-common`")
    res = subprocess.run(["apt-get", "download", "qgis-common"], cwd=workdir)
    debs = sorted(glob.glob(str(workdir / "qgis-common_*.deb")))
    if res.returncode != 0 or not debs:
        sys.exit("error: `apt-get download qgis-common` failed (try `apt-get update`, "
                 "or pass --source PATH to a world_map.gpkg or qgis-common .deb)")
    gpkg, version = _extract_deb(Path(debs[-1]), workdir)
    return gpkg, "apt-get download qgis-common", version


# --------------------------------------------------------------------------
# geometry helpers
# --------------------------------------------------------------------------
def polygonal(geom) -> MultiPolygon | None:
    """Keep only the polygon parts of geom, fix validity, return a MultiPolygon."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [g for g in shapely.get_parts(geom) if not g.is_empty]
    polys: list[Polygon] = []
    for g in parts:
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
    if not out.is_valid:  # e.g. parts sharing an edge after the clip
        out = polygonal(shapely.make_valid(out))
    return out


def clip(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    clip_box = box(*BBOX)
    gdf = gdf[gdf.geometry.intersects(clip_box)].copy()
    gdf["geometry"] = [polygonal(shapely.intersection(g, clip_box)) for g in gdf.geometry]
    return gdf[gdf.geometry.notna()].copy()


# --------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------
def read_layer(src: Path, layer: str) -> gpd.GeoDataFrame:
    gdf = pyogrio.read_dataframe(src, layer=layer, bbox=BBOX)
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(CRS) if gdf.crs is not None else gdf.set_crs(CRS)
    return gdf


def build(src: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    countries_src = read_layer(src, "countries")
    provinces_src = read_layer(src, "states_provinces")
    for col in ("iso_a2", "name", "adm0_a3", "admin", "fips", "woe_name", "woe_label", "gn_name"):
        provinces_src[col] = clean_column(provinces_src[col])
    for col in ("iso_a2", "NAME", "ISO_A3"):
        countries_src[col] = clean_column(countries_src[col])

    # NE adm0_a3 codes per iso_a2, from the admin-1 layer
    adm0_by_a2 = provinces_src.groupby("iso_a2")["adm0_a3"].agg(lambda s: sorted(set(s)))

    # ---- countries: the QGIS layer is keyed by iso_a2; its unnamed rows are
    # the union of areas without an ISO code (iso_a2 = -1).
    rows = []
    named = countries_src[countries_src["NAME"].notna()]
    for rec in named.itertuples():
        iso3, source = rec.ISO_A3, "ISO_A3"
        if not (iso3 and _ISO3_RE.match(iso3)):
            codes = adm0_by_a2.get(rec.iso_a2, [])
            if len(codes) != 1:
                sys.exit(f"error: no unique iso3 for country {rec.NAME!r} ({rec.iso_a2})")
            iso3, source = codes[0], "NE_ADM0_A3"
        rows.append({"iso3": iso3, "iso_a2": rec.iso_a2, "name": rec.NAME,
                     "iso3_source": source, "geometry": rec.geometry})
    iso3_by_a2 = {r["iso_a2"]: r["iso3"] for r in rows}

    # Areas outside the named countries (Northern Cyprus, the UK bases on
    # Cyprus, Baykonur, Siachen...) become their own rows, built from the
    # admin-1 layer and keyed by Natural Earth's adm0_a3.
    orphans = provinces_src[~provinces_src["iso_a2"].isin(list(iso3_by_a2))]
    for adm0, grp in orphans.groupby("adm0_a3", sort=True):
        admin = sorted(set(grp["admin"].dropna()))
        rows.append({"iso3": adm0, "iso_a2": None, "name": admin[0] if admin else adm0,
                     "iso3_source": "NE_ADM0_A3",
                     "geometry": shapely.union_all(grp.geometry.values)})
    countries = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    countries = clip(countries)
    if countries["iso3"].duplicated().any():
        dups = sorted(countries.loc[countries["iso3"].duplicated(), "iso3"])
        sys.exit(f"error: duplicate country iso3 {dups}")
    countries = countries.sort_values("iso3").reset_index(drop=True)[COUNTRY_COLUMNS]

    # ---- provinces
    prov = provinces_src.copy()
    prov["iso3"] = [iso3_by_a2.get(a2, adm0)
                    for a2, adm0 in zip(prov["iso_a2"], prov["adm0_a3"], strict=True)]
    prov["ne_name"] = prov["name"]
    names, alts, fips = [], [], []
    used_fixes = set()
    for rec in prov.itertuples():
        key = (rec.adm0_a3, rec.name, rec.gn_name)
        if key in NAME_FIXES:
            if key in used_fixes:
                sys.exit(f"error: name fix {key} matches more than one row")
            used_fixes.add(key)
            name, alt = NAME_FIXES[key]
        else:
            name = rec.name
            label = rec.woe_label.split(",")[0] if rec.woe_label else None
            alt = [rec.woe_name, label, rec.gn_name]
        seen = {name.casefold()}
        alt_clean = []
        for a in alt:
            a = clean(a)
            if a and a.casefold() not in seen:
                seen.add(a.casefold())
                alt_clean.append(a)
        names.append(name)
        fips.append(rec.fips if name == rec.name else None)
        alts.append(";".join(alt_clean) or None)
    missing = set(NAME_FIXES) - used_fixes
    if missing:
        sys.exit(f"error: name fixes not applied (source changed?): {sorted(missing)}")
    prov["name"] = names
    prov["fips"] = pd.Series(fips, index=prov.index, dtype=object)
    prov["alt_names"] = alts
    prov = clip(prov)
    prov["id"] = make_ids(prov)
    prov = prov.sort_values("id").reset_index(drop=True)[PROVINCE_COLUMNS]
    return countries, prov


def make_ids(prov: gpd.GeoDataFrame) -> list[str]:
    """`<iso3>-<name>` slugs; duplicate names get the GeoNames name (or FIPS
    code) appended, and if still not unique a number in west-to-east order."""
    base = [f"{i.lower()}-{slugify(n)}" for i, n in zip(prov["iso3"], prov["name"], strict=True)]
    ids = list(base)
    counts = pd.Series(base).value_counts()
    for i, rec in enumerate(prov.itertuples()):
        if counts[base[i]] > 1:
            extra = slugify(rec.gn_name or "") or slugify(rec.fips or "")
            if extra and extra != base[i].split("-", 1)[1]:
                ids[i] = f"{base[i]}-{extra}"
    counts = pd.Series(ids).value_counts()
    dup = [i for i in range(len(ids)) if counts[ids[i]] > 1]
    if dup:
        pts = prov.geometry.representative_point()
        groups: dict[str, list[int]] = {}
        for i in dup:
            groups.setdefault(ids[i], []).append(i)
        for key, members in groups.items():
            members.sort(key=lambda i: (round(pts.iloc[i].x, 6), round(pts.iloc[i].y, 6)))
            for n, i in enumerate(members, start=1):
                ids[i] = f"{key}-{n}"
    return ids


# --------------------------------------------------------------------------
# checks and output
# --------------------------------------------------------------------------
def check(path: Path) -> None:
    """Read the written file back and fail loudly if anything is off."""
    problems = []
    layers = {name for name, _ in pyogrio.list_layers(path)}
    if not {"countries", "provinces", "basemap_info"} <= layers:
        problems.append(f"layers {sorted(layers)}")
    c = gpd.read_file(path, layer="countries")
    p = gpd.read_file(path, layer="provinces")
    clip_box = box(*BBOX).buffer(1e-9)
    for name, gdf in (("countries", c), ("provinces", p)):
        if gdf.crs is None or gdf.crs.to_epsg() != 4326:
            problems.append(f"{name}: CRS {gdf.crs}")
        if not gdf.geometry.is_valid.all() or gdf.geometry.is_empty.any():
            problems.append(f"{name}: invalid or empty geometries")
        if set(gdf.geom_type) - {"MultiPolygon"}:
            problems.append(f"{name}: geometry types {set(gdf.geom_type)}")
        if not gdf.geometry.within(clip_box).all():
            problems.append(f"{name}: geometry outside bbox")
    if c["iso3"].duplicated().any() or not c["iso3"].str.match(r"^[A-Z]{3}$").all():
        problems.append("countries: iso3 not unique / not 3 capitals")
    missing = sorted(set(REQUIRED_ISO3) - set(c["iso3"]))
    if missing:
        problems.append(f"countries: missing {missing}")
    if p["id"].duplicated().any() or not p["id"].map(lambda s: bool(_SLUG_RE.match(s))).all():
        problems.append("provinces: id not unique kebab-case")
    if not set(p["iso3"]) <= set(c["iso3"]):
        extra = sorted(set(p["iso3"]) - set(c["iso3"]))
        problems.append(f"provinces: iso3 not in countries {extra}")
    afg = sorted(p.loc[p["iso3"] == "AFG", "name"])
    if afg != AFG_PROVINCES:
        problems.append(f"AFG provinces differ: {afg}")
    for iso3, name, (x, y), place in CHECK_POINTS:
        hit = p[(p["iso3"] == iso3) & p.geometry.contains(Point(x, y))]["name"].tolist()
        if hit != [name]:
            problems.append(f"{place} ({x}, {y}) falls in {hit}, expected {name}")
    if problems:
        raise RuntimeError("output check failed:\n  " + "\n  ".join(problems))
    log(f"check ok: {len(c)} countries, {len(p)} provinces, AFG {len(afg)} provinces")


def write(out: Path, countries, provinces, info: pd.DataFrame) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.stem}.{os.getpid()}.tmp.gpkg"
    for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_GPKG_DATE})
    try:
        pyogrio.write_dataframe(countries, tmp, layer="countries", driver="GPKG",
                                promote_to_multi=True)
        pyogrio.write_dataframe(provinces, tmp, layer="provinces", driver="GPKG",
                                promote_to_multi=True, append=False)
        pyogrio.write_dataframe(info, tmp, layer="basemap_info", driver="GPKG")
        check(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", help="world_map.gpkg or qgis-common .deb to read instead "
                    f"of {SYSTEM_SOURCE}")
    ap.add_argument("--out", default="geo/basemap.gpkg", help="output GeoPackage "
                    "(default: %(default)s)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="build_basemap.") as work:
        src, how, version = find_source(args.source, Path(work))
        digest = sha256(src)
        version = KNOWN_SOURCES.get(digest) or version or "unknown"
        log(f"source: {src} ({how}; qgis-common {version}; sha256 {digest[:16]}...)")
        countries, provinces = build(src)
        info = pd.DataFrame([
            ("source", "Natural Earth 1:10m Cultural Vectors (Admin 0 - Countries, "
                       "Admin 1 - States, Provinces)"),
            ("source_version", f"Natural Earth v{NE_VERSION}"),
            ("source_file", "world_map.gpkg from Debian package qgis-common "
                            "(/usr/share/qgis/resources/data/world_map.gpkg)"),
            ("source_package_version", version),
            ("source_sha256", digest),
            ("license", "Public domain (Natural Earth terms of use)"),
            ("crs", CRS),
            ("bbox", "lon {0:g}..{2:g}, lat {1:g}..{3:g}".format(*BBOX)),
            ("simplification", "none (geometry as in the source, clipped to bbox)"),
            ("countries_rows", str(len(countries))),
            ("provinces_rows", str(len(provinces))),
            ("build_script", "scripts/build_basemap.py"),
        ], columns=["key", "value"])
        write(Path(args.out), countries, provinces, info)
    size = Path(args.out).stat().st_size
    log(f"wrote {args.out}: {size / 1e6:.2f} MB, {len(countries)} countries, "
        f"{len(provinces)} provinces")
    return 0


if __name__ == "__main__":
    sys.exit(main())
