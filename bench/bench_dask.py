"""The dask engine: the same answers as the in-memory engine, and an input bigger than memory.

1. 200k points: near, nearest and summarize through ``engine="dask"`` (a LocalCluster of
   2 workers x 1 thread x 2 GB) and the in-memory engine, compared row for row.
2. 10M points in 20 GeoParquet files (made on the cluster), far more than the workers'
   memory once loaded as a GeoDataFrame: near 5 km against 10k lines (results written by
   the workers, partition by partition) and summarize per province. Each file is sorted
   along a Hilbert curve, in row groups of 250k rows: one spatially compact partition
   each, so each partition is measured against the lines near it only. The baseline is
   the in-memory engine on one 500k file, times 20, in the same run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import synth
from common import log, report, timed, workdir

WORKERS, MEMORY = 2, "2GB"


def write_chunk(i: int, per: int, folder: str) -> str:
    import synth as s

    path = f"{folder}/part-{i:03d}.parquet"
    gdf = s.points(per, seed=1000 + i, start=i * per)
    # spatially sorted, as GeoParquet should be: each row group covers a compact area
    gdf = gdf.iloc[gdf.hilbert_distance(total_bounds=s.REGION).to_numpy().argsort(kind="stable")]
    gdf.to_parquet(path, row_group_size=250_000)
    return path


PEAK = """
import resource, sys
sys.path.insert(0, {bench!r})
import geopandas as gpd, psutil, synth
from geoatlas import query
lines = synth.lines(10_000)
proc = psutil.Process()
before = proc.memory_info().rss
one = gpd.read_parquet({path!r})
loaded = proc.memory_info().rss - before
query.near(one, lines, km=5)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
print(loaded, max(loaded, peak))
"""


def memory_gb(path: str) -> tuple[float, float]:
    """GB that loading one file takes, and the peak of the in-memory near on it."""
    import subprocess
    import sys

    code = PEAK.format(bench=str(synth.REPO / "bench"), path=path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[-2]) / 1e9, int(out[-1]) / 1e9


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", type=int, default=100_000)
    ap.add_argument("--big", type=int, default=10_000_000)
    ap.add_argument("--files", type=int, default=20)
    args = ap.parse_args()
    import dask
    from dask.distributed import Client, LocalCluster

    import geoatlas
    from geoatlas import query

    cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, memory_limit=MEMORY,
                           dashboard_address=None)
    client = Client(cluster)
    client.run(lambda: __import__("sys").path.insert(0, str(synth.REPO / "bench")))
    atlas = geoatlas.open(synth.REPO)
    provinces = atlas["provinces"]
    lines = synth.lines(10_000)
    try:
        log(f"dask vs in-memory on {args.check:,} points")
        pts = synth.points(args.check)
        n = f"{args.check // 1000}k"
        query.near(pts.iloc[:10], lines, km=5)  # load the compiled engine before timing
        client.run(lambda: query.near(pts.iloc[:10], lines, km=5) is not None)  # and there
        for name, call in (
            ("near 5 km", lambda **kw: query.near(pts, lines, km=5, **kw)),
            ("nearest", lambda **kw: query.nearest(pts, lines, **kw)),
            ("summarize per province", lambda **kw: query.summarize(
                pts, provinces, stats=["count", "sum:value_usd", "mean:tonnage_mt",
                                       "max:tonnage_mt", "list:commodity"], **kw)),
        ):
            mem, t_mem = timed(call)
            dsk, t_dsk = timed(call, engine="dask", client=client)
            pd.testing.assert_frame_equal(mem, dsk, check_exact=False, rtol=1e-12)
            report(f"{name}, {n} points, dask engine == in-memory engine", t_dsk, t_mem, "s",
                   "in-memory", f"{len(mem):,} rows, identical")
        pts = None  # free it before the big run

        with workdir("dask") as tmp:
            per = args.big // args.files
            log(f"{args.big:,} points in {args.files} GeoParquet files, written by the workers")
            (tmp / "big").mkdir()
            t0 = time.perf_counter()
            paths = dask.compute(*[dask.delayed(write_chunk)(i, per, str(tmp / "big"))
                                   for i in range(args.files)], scheduler=client.get)
            log(f"written in {time.perf_counter() - t0:.0f} s")

            import geopandas as gpd

            one = gpd.read_parquet(paths[0])
            load_gb, peak_gb = (v * args.files for v in memory_gb(paths[0]))
            workers_before = set(client.scheduler_info()["workers"])
            big = f"{args.big // 1_000_000}M"
            _, t_one = timed(query.near, one, lines, km=5)
            log("near on the cluster")
            out, t_near = timed(query.near, str(tmp / "big"), lines, km=5, engine="dask",
                                client=client, out=tmp / "near")
            hits = sum(len(pd.read_parquet(p, columns=["distance_km"]))
                       for p in sorted(out.glob("*.parquet")))
            restarts = len(workers_before - set(client.scheduler_info()["workers"]))
            report(f"near 5 km, {big} points from GeoParquet, dask ({WORKERS} workers x "
                   f"{MEMORY})", t_near, t_one * args.files, "s",
                   f"in-memory on 1/{args.files}, x{args.files}",
                   f"in memory the input takes ~{load_gb:.1f} GB and the in-memory near "
                   f"peaks at ~{peak_gb:.1f} GB (measured on 1/{args.files}, x{args.files}), "
                   f"vs {WORKERS} x {MEMORY} workers; "
                   f"{hits:,} points within; worker restarts: {restarts}")
            _, t_one = timed(query.summarize, one, provinces, stats=["count", "sum:value_usd"])
            log("summarize on the cluster")
            res, t_sum = timed(query.summarize, str(tmp / "big"), provinces,
                               stats=["count", "sum:value_usd"], engine="dask", client=client)
            total = int(res["count"].sum())
            report(f"summarize per province, {big} points from GeoParquet, dask", t_sum,
                   t_one * args.files, "s", f"in-memory on 1/{args.files}, x{args.files}",
                   f"{total:,} points counted; {int(np.count_nonzero(res['count']))} provinces")
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
