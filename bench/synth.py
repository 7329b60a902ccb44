"""Seeded synthetic layers inside the region (lon 25-82, lat 20-50, on land), at any size.

* :func:`points`: clustered mineral occurrences with attributes (name, commodity, status,
  tonnage, value, location quality, sources) -- a few thousand cluster centres on land,
  points scattered around each (normal, 0.02-0.6 deg), points at sea dropped and redrawn.
* :func:`lines`: a rail/road-like network: the edges of a Delaunay triangulation of hubs
  on land, each cut into a jittered polyline; lines meet at shared hub nodes.
* :func:`polygons`: a licence-block-like coverage: Voronoi cells of clustered seeds,
  clipped to land -- neighbours share their borders exactly.
* :func:`make_workspace`: a temporary workspace (the repository's geo/ and layers/ copied)
  with a synthetic layer dropped into layers/ as an OGR file and a recipe in maps/.

Same seed, same data. Run ``python bench/synth.py DIR --points 100000`` to make one.
"""

from __future__ import annotations

import argparse
import functools
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parents[1]
REGION = (25.0, 20.0, 82.0, 50.0)
COMMODITIES = ["copper", "gold", "iron", "chromite", "coal", "lithium", "rare_earths",
               "gemstones", "talc", "marble", "uranium", "oil", "gas", "cobalt", "lapis_lazuli"]
COMMODITY_WEIGHTS = np.array([14, 12, 10, 6, 9, 4, 3, 7, 4, 5, 2, 6, 5, 2, 1], float)
STATUSES = ["operating", "under_construction", "signed", "announced", "proposed", "suspended"]
SYLLABLES = ["kar", "mes", "ay", "nak", "ha", "ji", "gak", "bad", "akh", "shan", "tor", "ghar",
             "zar", "kan", "sang", "dara", "qal", "rud", "band", "tash", "kum", "bel", "sar",
             "ab", "chah", "koh", "pul", "dasht", "mir", "nur"]


@functools.lru_cache(maxsize=1)
def land() -> shapely.Geometry:
    """Land inside the region: the union of the basemap countries, clipped, prepared."""
    countries = gpd.read_file(REPO / "geo" / "basemap.gpkg", layer="countries")
    geom = shapely.intersection(shapely.union_all(countries.geometry.to_numpy()),
                                shapely.box(*REGION))
    shapely.prepare(geom)
    return geom


def _on_land(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return shapely.contains_xy(land(), x, y)


def _land_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniformly on land in the region."""
    xs, ys, have = [], [], 0
    while have < n:
        x = rng.uniform(REGION[0], REGION[2], 2 * (n - have) + 16)
        y = rng.uniform(REGION[1], REGION[3], len(x))
        ok = _on_land(x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _names(rng: np.random.Generator, n: int, start: int = 0) -> np.ndarray:
    a, b = rng.integers(0, len(SYLLABLES), (2, n))
    syl = np.array([s.capitalize() for s in SYLLABLES], dtype=object)
    low = np.array(SYLLABLES, dtype=object)
    number = np.char.mod("%d", np.arange(start + 1, start + n + 1)).astype(object)
    return syl[a] + low[b] + " " + number


def cluster_xy(n: int, seed: int = 7, clusters: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of ``n`` clustered points on land (no attributes)."""
    rng = np.random.default_rng(seed)
    k = clusters or int(min(5000, max(20, n // 200)))
    cx, cy = _land_points(rng, k)
    spread = rng.uniform(0.01, 0.25, k)
    weight = rng.pareto(1.2, k) + 1.0
    weight /= weight.sum()
    xs, ys, have = [], [], 0
    while have < n:
        m = int((n - have) * 1.3) + 16
        c = rng.choice(k, m, p=weight)
        x = cx[c] + rng.normal(0, 1, m) * spread[c]
        y = cy[c] + rng.normal(0, 1, m) * spread[c] * 0.8
        inside = ((x > REGION[0]) & (x < REGION[2]) & (y > REGION[1]) & (y < REGION[3]))
        x, y = x[inside], y[inside]
        ok = _on_land(x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def points(n: int, seed: int = 7, start: int = 0) -> gpd.GeoDataFrame:
    """``n`` clustered mineral occurrences with attributes, EPSG:4326, indexed by ``id``.

    ``start`` offsets the ids and names (chunks of one big layer made apart).
    """
    x, y = cluster_xy(n, seed)
    rng = np.random.default_rng(seed + 1)
    w = COMMODITY_WEIGHTS / COMMODITY_WEIGHTS.sum()
    commodity = np.array(COMMODITIES, dtype=object)[rng.choice(len(COMMODITIES), n, p=w)]
    status = np.array(STATUSES, dtype=object)[rng.choice(len(STATUSES), n,
                                                         p=[.3, .1, .15, .2, .15, .1])]
    tonnage = np.round(rng.lognormal(1.0, 2.0, n), 2)
    value = np.where(rng.random(n) < 0.2, np.round(rng.lognormal(18, 2.5, n), -3), np.nan)
    quality = np.where(rng.random(n) < 0.7, "exact", "approximate").astype(object)
    ids = np.char.mod("occ-%08d", np.arange(start + 1, start + n + 1)).astype(object)
    frame = pd.DataFrame({
        "id": ids, "name": _names(rng, n, start), "commodity": commodity, "status": status,
        "tonnage_mt": tonnage, "value_usd": value, "location_quality": quality,
        "source_ids": np.full(n, "synthetic", dtype=object),
    })
    gdf = gpd.GeoDataFrame(frame, geometry=shapely.points(x, y), crs=4326)
    return gdf.set_index("id", drop=False).rename_axis(None)


def lines(n: int, seed: int = 11) -> gpd.GeoDataFrame:
    """About ``n`` line features (2-6 vertices each) forming a connected-looking network."""
    rng = np.random.default_rng(seed)
    hubs_x, hubs_y = _land_points(rng, max(8, n // 2))
    tri = shapely.delaunay_triangles(shapely.multipoints(np.c_[hubs_x, hubs_y]),
                                     only_edges=True)
    edges = shapely.get_parts(tri)
    edges = edges[np.argsort(shapely.length(edges), kind="stable")][:n]
    a = shapely.get_coordinates(edges).reshape(-1, 2, 2)
    k = rng.integers(1, 5, len(a))  # interior vertices per edge
    geoms = []
    for (p, q), m in zip(a, k):
        t = np.linspace(0, 1, m + 2)[:, None]
        pts = p + (q - p) * t
        normal = np.array([-(q - p)[1], (q - p)[0]])
        jitter = rng.normal(0, 0.08, (m + 2, 1)) * normal
        jitter[0] = jitter[-1] = 0
        geoms.append(pts + jitter)
    geoms = shapely.linestrings(np.concatenate(geoms),
                                indices=np.repeat(np.arange(len(geoms)), k + 2))
    ids = np.char.mod("seg-%06d", np.arange(1, len(geoms) + 1)).astype(object)
    status = np.array(STATUSES, dtype=object)[rng.integers(0, len(STATUSES), len(geoms))]
    frame = pd.DataFrame({"id": ids, "name": _names(rng, len(geoms)), "status": status,
                          "source_ids": "synthetic"})
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
    return gdf.set_index("id", drop=False).rename_axis(None)


def polygons(n: int, seed: int = 13) -> gpd.GeoDataFrame:
    """About ``n`` licence-block polygons: a Voronoi coverage of clustered seeds on land."""
    x, y = cluster_xy(n, seed, clusters=max(10, n // 50))
    x, y = x + np.arange(n) * 1e-9, y  # no duplicate seeds
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(np.c_[x, y]),
                                                       extend_to=shapely.box(*REGION)))
    cells = shapely.intersection(cells, land())
    cells = shapely.make_valid(cells)
    polys = np.array([g if g.geom_type in ("Polygon", "MultiPolygon")
                      else shapely.union_all([p for p in shapely.get_parts(g)
                                              if p.geom_type == "Polygon"])
                      for g in cells], dtype=object)
    keep = ~shapely.is_empty(polys) & (shapely.area(polys) > 0)
    polys = polys[keep]
    rng = np.random.default_rng(seed + 1)
    ids = np.char.mod("blk-%06d", np.arange(1, len(polys) + 1)).astype(object)
    frame = pd.DataFrame({
        "id": ids, "name": _names(rng, len(polys)),
        "holder": np.char.mod("Holder %d", rng.integers(1, 400, len(polys))).astype(object),
        "commodity": np.array(COMMODITIES, dtype=object)[rng.integers(0, 15, len(polys))],
        "source_ids": "synthetic",
    })
    gdf = gpd.GeoDataFrame(frame, geometry=polys, crs=4326)
    return gdf.set_index("id", drop=False).rename_axis(None)


RECIPES = {
    "point": """title = "Synthetic occurrences"
extent = "fit"
controls = ["layers", "legend", "scale", "search", "coordinates"]
{extra}
[[layers]]
layer = "{layer}"
title = "Occurrences"
group = "Minerals"
tooltip = ["name", "commodity"]
popup = ["name", "commodity", "status", "tonnage_mt", "value_usd", "location_quality"]
{compact}[layers.style]
color_by = "commodity"
radius = 3
weight = 0.5
color = "#333333"
fill_opacity = 0.85
""",
    "line": """title = "Synthetic network"
extent = "fit"
{extra}
[[layers]]
layer = "{layer}"
title = "Network"
tooltip = ["name", "status"]
popup = ["name", "status"]
{compact}[layers.style]
color_by = "status"
weight = 1.5
""",
    "polygon": """title = "Synthetic licence blocks"
extent = "fit"
{extra}
[[layers]]
layer = "{layer}"
title = "Licence blocks"
tooltip = ["name", "holder"]
popup = ["name", "holder", "commodity"]
{compact}[layers.style]
color_by = "commodity"
color = "#555555"
weight = 0.6
fill_opacity = 0.5
""",
}


def write_layer(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write ``gdf`` as GeoParquet, GeoPackage or FlatGeobuf (by suffix) with pyogrio/arrow."""
    path = Path(path)
    if path.suffix == ".parquet":
        gdf.to_parquet(path, index=False)
    else:
        gdf.to_file(path, engine="pyogrio", use_arrow=True)
    return path


SYNTHETIC_SOURCE = ("synthetic,Seeded synthetic layers (bench/synth.py),geoatlas,,,,,,dataset,"
                    "Invented benchmark data; not facts.\n")


def make_workspace(dest: Path, gdf: gpd.GeoDataFrame, layer: str = "occurrences",
                   suffix: str = ".parquet", compact: bool | None = None,
                   recipe_extra: str = "") -> Path:
    """A workspace at ``dest``: the repository's geo/ and layers/, ``gdf`` as an extra layer
    ``layers/<layer><suffix>`` and a recipe ``maps/<layer>.toml`` showing it (an existing
    workspace at ``dest`` gets the layer and recipe added)."""
    dest = Path(dest)
    if not (dest / "maps").is_dir():
        (dest / "maps").mkdir(parents=True)
        shutil.copytree(REPO / "geo", dest / "geo")
        shutil.copytree(REPO / "layers", dest / "layers")
        with open(dest / "layers" / "sources.csv", "a", encoding="utf-8") as sources:
            sources.write(SYNTHETIC_SOURCE)  # the synthetic layers cite it, as every row must
    write_layer(gdf, dest / "layers" / f"{layer}{suffix}")
    kinds = set(gdf.geom_type)
    kind = ("polygon" if kinds & {"Polygon", "MultiPolygon"}
            else "line" if kinds & {"LineString", "MultiLineString"} else "point")
    flag = "" if compact is None else f"compact = {'true' if compact else 'false'}\n"
    text = RECIPES[kind].format(layer=layer, compact=flag, extra=recipe_extra)
    (dest / "maps" / f"{layer}.toml").write_text(text, encoding="utf-8")
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("--points", type=int, default=0)
    ap.add_argument("--lines", type=int, default=0)
    ap.add_argument("--polygons", type=int, default=0)
    ap.add_argument("--format", choices=["parquet", "gpkg", "fgb"], default="parquet")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    suffix = "." + args.format
    made = []
    for kind, n, maker in (("occurrences", args.points, points), ("network", args.lines, lines),
                           ("blocks", args.polygons, polygons)):
        if n:
            gdf = maker(n, args.seed)
            make_workspace(args.dest, gdf, kind, suffix)
            made.append(f"{kind}: {len(gdf)}")
    print(f"{args.dest}: " + ", ".join(made))


if __name__ == "__main__":
    main()
