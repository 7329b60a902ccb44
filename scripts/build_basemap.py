#!/usr/bin/env python3
"""Build a geoatlas reference basemap for any region, or the package's world asset.

Sources (public domain, Natural Earth):

- countries and admin-1: Natural Earth 1:10m Cultural Vectors v4.1.0 as shipped in
  Debian's ``qgis-common`` (``/usr/share/qgis/resources/data/world_map.gpkg``, layers
  ``countries`` and ``states_provinces``; QGIS generalised them slightly);
- cities: Natural Earth 1:110m populated places (names only) as shipped in the
  ``geopandas`` 0.14.4 wheel on PyPI (``geopandas/datasets/naturalearth_cities``).

Usage::

    python scripts/build_basemap.py --bbox 20,15,125,55            # geo/basemap.gpkg
    python scripts/build_basemap.py --countries CHL,PER --out andes/geo/basemap.gpkg
    python scripts/build_basemap.py --asset                        # the package asset

Where the sources come from, first match wins: ``--source PATH`` (a ``world_map.gpkg``
or a ``qgis-common_*.deb``), the system path, else ``apt-get download qgis-common`` and
``dpkg -x`` in a temporary folder; ``--cities PATH``, else ``pip download --no-deps
geopandas==0.14.4`` and the shapefile from the wheel. Those two downloads are the only
network access this script ever makes (package registries).

The output is written to a temporary file, read back and checked, then moved into place;
the same sources give the same bytes. See geo/README.md for what is in it.
"""
from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import Point

from geoatlas.basemap import build as bm_build
from geoatlas.basemap import file as bm_file
from geoatlas.basemap import shapes as bm_shapes
from geoatlas.basemap import sources as bm_sources

DEB_MEMBER = "usr/share/qgis/resources/data/world_map.gpkg"
NE_VERSION = "v4.1.0"
CITIES_WHEEL = "geopandas==0.14.4"
CITIES_MEMBER = "geopandas/datasets/naturalearth_cities/naturalearth_cities"
ASSET_TOLERANCE = 0.02  # degrees (about 2 km): the package's world layer
# Known source files (sha256 -> qgis-common package version); this only labels
# the provenance and does not reject other versions of the file.
KNOWN_SOURCES = {
    "ff5cceefc4b27abea094fa82459d8aef9417023236c326a666978b62ffe85db2": "3.22.16+dfsg-1",
}

# (iso3, province name, (lon, lat), place): checked when that country is in the output
CHECK_POINTS = [
    ("AFG", "Logar", (69.2, 34.27), "Mes Aynak (approx.)"),
    ("AFG", "Kabul", (69.18, 34.53), "Kabul city"),
    ("AFG", "Parwan", (69.17, 35.015), "Charikar"),
    ("AFG", "Panjshir", (69.516, 35.313), "Bazarak"),
    ("AFG", "Daykundi", (66.14, 33.72), "Nili"),
    ("AFG", "Uruzgan", (65.87, 32.63), "Tarin Kowt"),
]


def log(msg: str) -> None:
    print(f"[build_basemap] {msg}", file=sys.stderr)


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
    if bm_sources.NE_SOURCE.is_file():
        res = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "qgis-common"],
                             capture_output=True, text=True)
        return bm_sources.NE_SOURCE, "system qgis-common", (res.stdout.strip() or None)
    log("world_map.gpkg not installed; running `apt-get download qgis-common`")
    res = subprocess.run(["apt-get", "download", "qgis-common"], cwd=workdir)
    debs = sorted(glob.glob(str(workdir / "qgis-common_*.deb")))
    if res.returncode != 0 or not debs:
        sys.exit("error: `apt-get download qgis-common` failed (try `apt-get update`, "
                 "or pass --source PATH to a world_map.gpkg or qgis-common .deb)")
    gpkg, version = _extract_deb(Path(debs[-1]), workdir)
    return gpkg, "apt-get download qgis-common", version


def find_cities(arg: str | None, workdir: Path) -> Path:
    """Natural Earth 1:110m populated places: --cities, else from the geopandas wheel."""
    if arg:
        if not Path(arg).is_file():
            sys.exit(f"error: --cities {arg} does not exist")
        return Path(arg)
    log(f"fetching NE populated places: `pip download --no-deps {CITIES_WHEEL}`")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    CITIES_WHEEL, "-d", str(workdir)], check=True)
    wheel = sorted(workdir.glob("geopandas-0.14.4-*.whl"))[-1]
    with zipfile.ZipFile(wheel) as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            zf.extract(CITIES_MEMBER + ext, workdir)
    return workdir / (CITIES_MEMBER + ".shp")


# --------------------------------------------------------------------------
# the package asset
# --------------------------------------------------------------------------
def build_asset(src: Path, cities: Path, out: Path, version: str, digest: str) -> None:
    world, _ = bm_sources.read_ne(src)
    world = bm_shapes.coarse_world(world.sort_values("iso3").reset_index(drop=True),
                            ASSET_TOLERANCE)
    world = gpd.GeoDataFrame(world[["iso3", "iso_a2", "name", "kind", "iso3_source",
                                    "geometry"]], geometry="geometry", crs=bm_file.CRS)
    places = bm_sources.read_ne_cities(cities).sort_values("name").reset_index(drop=True)
    info = pd.DataFrame(sorted({
        "source": "Natural Earth 1:10m Cultural Vectors (Admin 0 - Countries)",
        "source_version": NE_VERSION,
        "source_file": f"world_map.gpkg from Debian qgis-common {version}",
        "source_sha256": digest,
        "cities_source": "Natural Earth 1:110m populated places (names only), from the "
                         f"{CITIES_WHEEL} wheel (geopandas/datasets/naturalearth_cities)",
        "license": "public domain",
        "simplification": f"coverage-simplified at {ASSET_TOLERANCE:g} degrees",
        "build_script": "scripts/build_basemap.py --asset",
    }.items()), columns=["key", "value"])
    no_provinces = gpd.GeoDataFrame(columns=bm_file.PROVINCE_COLUMNS, geometry="geometry",
                                    crs=bm_file.CRS)
    bm_file.write_basemap(out, {"countries": world, "provinces": no_provinces,
                                "cities": places}, info)


# --------------------------------------------------------------------------
# checks of a region's output
# --------------------------------------------------------------------------
def check(path: Path) -> None:
    """Read the written file back and fail loudly if anything is off."""
    problems = [f"{path}: {m}" for m in bm_file.check_basemap(path)]
    c = gpd.read_file(path, layer="countries")
    p = gpd.read_file(path, layer="provinces")
    for name, gdf in (("countries", c), ("provinces", p)):
        if gdf.crs is None or gdf.crs.to_epsg() != 4326:
            problems.append(f"{name}: CRS {gdf.crs}")
        if not gdf.geometry.is_valid.all() or gdf.geometry.is_empty.any():
            problems.append(f"{name}: invalid or empty geometries")
    if c["iso3"].duplicated().any() or not c["iso3"].str.match(r"^[A-Z]{3}$").all():
        problems.append("countries: iso3 not unique / not 3 capitals")
    if p["id"].duplicated().any():
        problems.append("provinces: id not unique")
    if not set(p["iso3"]) <= set(c["iso3"]):
        extra = sorted(set(p["iso3"]) - set(c["iso3"]))
        problems.append(f"provinces: iso3 not in countries {extra}")
    world = c.total_bounds
    if world[0] > -179 or world[2] < 179 or world[1] > -85 or world[3] < 83:
        problems.append(f"countries do not cover the world: bounds {world}")
    for iso3, name, (x, y), place in CHECK_POINTS:
        if iso3 not in set(p["iso3"]):
            continue
        hit = p[(p["iso3"] == iso3) & p.geometry.contains(Point(x, y))]["name"].tolist()
        if hit != [name]:
            problems.append(f"{place} ({x}, {y}) falls in {hit}, expected {name}")
    if problems:
        raise SystemExit("output check failed:\n  " + "\n  ".join(problems))
    log(f"check ok: {len(c)} countries, {len(p)} provinces")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", help="world_map.gpkg or qgis-common .deb to read instead "
                    f"of {bm_sources.NE_SOURCE}")
    ap.add_argument("--cities", help="NE populated places file (default: the package "
                    f"asset's; with --asset: from the {CITIES_WHEEL} wheel)")
    ap.add_argument("--bbox", help="region W,S,E,N in degrees")
    ap.add_argument("--countries", help="region as ISO3 codes, e.g. CHL,PER")
    ap.add_argument("--provinces", help="an analyst's provinces file instead of NE admin-1")
    ap.add_argument("--margin", type=float, default=bm_build.MARGIN_DEG,
                    help="degrees of full detail around the region (default: %(default)s)")
    ap.add_argument("--asset", action="store_true",
                    help=f"build the package's world layer {bm_sources.WORLD_ASSET}")
    ap.add_argument("--out", default=None, help="output GeoPackage (default: "
                    "geo/basemap.gpkg, or the package asset with --asset)")
    args = ap.parse_args(argv)
    if not args.asset and not (args.bbox or args.countries):
        ap.error("give the region: --bbox W,S,E,N or --countries ISO3,... (or --asset)")

    with tempfile.TemporaryDirectory(prefix="build_basemap.") as work:
        src, how, version = find_source(args.source, Path(work))
        digest = bm_sources.sha256(src)
        version = KNOWN_SOURCES.get(digest) or version or "unknown"
        log(f"source: {src} ({how}; qgis-common {version}; sha256 {digest[:16]}...)")
        if args.asset:
            cities = find_cities(args.cities, Path(work))
            out = Path(args.out or bm_sources.WORLD_ASSET)
            build_asset(src, cities, out, version, digest)
        else:
            out = Path(args.out or "geo/basemap.gpkg")
            extra = {"source_package_version": f"qgis-common {version}",
                     "build_script": "scripts/build_basemap.py"}
            bm_build.build_basemap(out, bbox=args.bbox, countries=args.countries, source=src,
                             provinces=args.provinces, cities=args.cities, margin=args.margin,
                             extra_info=extra)
            check(out)
    layers = {n: pyogrio.read_info(out, layer=n)["features"] for n, _ in pyogrio.list_layers(out)}
    log(f"wrote {out}: {os.path.getsize(out) / 1e6:.2f} MB, {layers}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
