"""``geoatlas check`` of a workspace with 100k deposits, against the 30 s target.

The workspace is the repository's, with ``--rows`` synthetic deposits appended to
``layers/deposits.csv``: random points inside Afghanistan's provinces, each naming the
province it lies in (so every spatial check runs and passes). geoatlas is timed on the
whole check (read, validate every cell, point in country, point in province, joins).

The baseline, in the same run, is the per-row province check geoatlas used before
(two pyproj transformers and a projected distance per deposit) on ``--sample`` rows,
extrapolated to ``--rows``: the part that made a 104k-row check run for over 10 minutes.
"""

from __future__ import annotations

import argparse
import shutil

import numpy as np
import pandas as pd
import shapely
from common import REPO, log, report, timed, workdir

TARGET_S = 30.0


def synthetic_deposits(provinces, n: int, seed: int = 5) -> pd.DataFrame:
    """``n`` deposit rows at random points inside AFG provinces, naming their province."""
    rng = np.random.default_rng(seed)
    afg = provinces[provinces["iso3"] == "AFG"].reset_index(drop=True)
    pick = rng.integers(0, len(afg), n)
    lon, lat = np.empty(n), np.empty(n)
    for k, geom in enumerate(afg.geometry):
        todo = np.flatnonzero(pick == k)
        minx, miny, maxx, maxy = geom.bounds
        shapely.prepare(geom)
        got_x, got_y = [], []
        while sum(map(len, got_x)) < len(todo):
            x = rng.uniform(minx, maxx, 4 * len(todo) + 8)
            y = rng.uniform(miny, maxy, len(x))
            # a margin inside the border: the check rounds coordinates to 4 decimals
            ok = shapely.contains_xy(geom.buffer(-0.01), x, y)
            got_x.append(x[ok])
            got_y.append(y[ok])
        lon[todo] = np.concatenate(got_x)[: len(todo)]
        lat[todo] = np.concatenate(got_y)[: len(todo)]
    return pd.DataFrame({
        "id": [f"synthetic-{i}" for i in range(n)],
        "name": [f"Synthetic {i}" for i in range(n)],
        "alt_names": "", "commodities": "copper", "province": afg["name"].to_numpy()[pick],
        "country": "AFG", "lat": np.round(lat, 4), "lon": np.round(lon, 4),
        "location_quality": "approximate", "coord_source": "geonames",
        "estimate_value": "", "estimate_unit": "", "estimate_meaning": "",
        "source_ids": "geonames", "notes": "synthetic benchmark row",
    })


def old_province_check(deposits, provinces) -> int:
    """The per-row province check geoatlas had before (a transformer pair per row)."""
    from geoatlas import geometry

    by_name = {(i, n): pid for pid, i, n in zip(provinces["id"], provinces["iso3"],
                                                provinces["name"])}
    far = 0
    for row in deposits.itertuples(index=False):
        pid = by_name.get((row.country, row.province))
        point = shapely.Point(row.lon, row.lat)
        km = geometry.distance_to_km(point, provinces.loc[pid].geometry)
        far += km > 5
    return far


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=2_000)
    args = ap.parse_args()

    import geopandas as gpd

    from geoatlas.workspace import validate

    provinces = gpd.read_file(REPO / "geo" / "basemap.gpkg", layer="provinces")
    provinces = provinces.set_index("id", drop=False).rename_axis(None)
    with workdir("check") as tmp:
        ws = tmp / "ws"
        for d in ("geo", "layers", "maps"):
            shutil.copytree(REPO / d, ws / d)
        rows = synthetic_deposits(provinces, args.rows)
        deposits = ws / "layers" / "deposits.csv"
        with deposits.open("a", encoding="utf-8", newline="") as fh:
            rows.to_csv(fh, header=False, index=False, lineterminator="\n")
        log(f"{args.rows:,} synthetic deposits written; checking")
        (catalog, problems), seconds = timed(validate, ws)
        if problems:
            raise SystemExit(f"the benchmark workspace has problems: {problems[:3]}")
        assert len(catalog.layers["deposits"]) >= args.rows
        sample = rows.iloc[: args.sample]
        _, base = timed(old_province_check, sample, provinces)
        base *= args.rows / len(sample)
    verdict = "met" if seconds < TARGET_S else "MISSED"
    report(f"check {args.rows:,} deposits", seconds, base,
           note=f"target {TARGET_S:.0f} s: {verdict}; baseline = the old per-row province "
                f"check on {len(sample):,} rows, x{args.rows / len(sample):.0f}")


if __name__ == "__main__":
    main()
