"""I/O of 1M features: GeoPackage, FlatGeobuf, GeoParquet, geoatlas (default engine) vs fiona.

geoatlas writes with :func:`geoatlas.export.export_frame` (pyogrio's Arrow path; GeoParquet
by pyarrow) and reads with :func:`geoatlas.readers.read_vector` (what the workspace
loader uses for files dropped into layers/). The baseline is the same calls with
``engine="fiona"`` (``geopandas.read_file(engine="fiona")`` to read). fiona has no
GeoParquet driver, so GeoParquet is compared with fiona writing a GeoPackage.

fiona moves features one by one through Python, so its time is linear in the feature
count: by default it is measured on a fifth of the features and multiplied by 5 (said
so on each line) to keep ``make bench`` within its time budget; ``--full`` measures it on
all of them.
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import synth
from common import log, report, timed, workdir


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", type=int, default=1_000_000)
    ap.add_argument("--full", action="store_true", help="measure fiona on every feature")
    args = ap.parse_args()
    from geoatlas.export import export_frame
    from geoatlas.readers import read_vector

    n = args.features
    log(f"synthetic {n:,} points")
    gdf = synth.points(n).reset_index(drop=True)
    scale = 1 if args.full else 5
    small = gdf.iloc[: n // scale]
    label = "fiona" if scale == 1 else f"fiona (on {n // scale:,}, x{scale})"
    shown = f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"
    with workdir("io") as tmp:
        fiona_gpkg = None
        for fmt in ("gpkg", "fgb", "parquet"):
            ours = tmp / f"ours.{fmt}"
            log(f"{fmt}: geoatlas")
            _, w_ours = timed(export_frame, gdf, ours)
            back, r_ours = timed(read_vector, ours)
            assert len(back) == n, (fmt, len(back))
            del back
            if fmt == "parquet":
                w_base, r_base = fiona_gpkg
                note = "fiona has no Parquet driver: baseline is fiona's GeoPackage"
            else:
                theirs = tmp / f"fiona.{fmt}"
                log(f"{fmt}: fiona")
                _, w_base = timed(export_frame, small, theirs, engine="fiona")
                _, r_base = timed(gpd.read_file, theirs, engine="fiona")
                w_base, r_base = w_base * scale, r_base * scale
                note = "target ratio <= 0.2"
                if fmt == "gpkg":
                    fiona_gpkg = (w_base, r_base)
            report(f"write {shown} points, {fmt}", w_ours, w_base, "s", label, note)
            report(f"read {shown} points, {fmt}", r_ours, r_base, "s", label, note)


if __name__ == "__main__":
    main()
