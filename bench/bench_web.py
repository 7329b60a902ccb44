"""Web map at scale: payload at 100k points vs GeoDataFrame.explore(), and 1M points.

Figures:
* web payload, 100k points: bytes of the HTML `geoatlas build` writes vs the HTML of
  ``GeoDataFrame.explore()`` with the same popup and tooltip fields and the same
  colouring (target: at most 1/10).
* build time at 100k (vs explore()), and at 1M points (target: 60 s).
* HTML size at 1M points (target: 40 MB).
* Chromium first frame at 1M points, offline: from navigation start until every compact
  layer has drawn (target: 15 s), with zero console errors.
"""

from __future__ import annotations

import argparse
import time

import synth
from common import log, report, timed, workdir

POPUP = ["name", "commodity", "status", "tonnage_mt", "value_usd", "location_quality"]
TOOLTIP = ["name", "commodity"]


def build_web(ws, out):
    import geoatlas
    from geoatlas.build import build

    atlas = geoatlas.open(ws)
    return build(atlas, ["occurrences"], out, ["web"])[0]


def first_frame(html) -> tuple[float, list, float]:
    """Seconds from navigation to the first frame of every compact layer; errors; wall s."""
    from tests.browser import offline_page

    with offline_page() as (page, log_):
        t0 = time.perf_counter()
        page.goto(html.as_uri(), timeout=300_000)
        page.wait_for_function(
            "window.geoatlas && window.geoatlas.layers.length && "
            "window.geoatlas.layers.every(e => !e.compact || e.compact.drawnAt !== null)",
            timeout=300_000, polling=100)
        wall = time.perf_counter() - t0
        drawn = page.evaluate(
            "() => Math.max(...window.geoatlas.layers.filter(e => e.compact)"
            ".map(e => e.compact.drawnAt))") / 1000.0
        page.wait_for_timeout(500)
        errors = log_["console_errors"] + log_["page_errors"] + log_["requests"]
    return drawn, errors, wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=100_000)
    ap.add_argument("--big", type=int, default=1_000_000)
    args = ap.parse_args()
    with workdir("web") as tmp:
        log(f"synthetic {args.small:,} points")
        gdf = synth.points(args.small)
        ws = synth.make_workspace(tmp / "ws-small", gdf)
        html, secs = timed(build_web, ws, tmp / "out-small")
        ours = html.stat().st_size
        log("GeoDataFrame.explore() of the same points")
        t0 = time.perf_counter()
        m = gdf.explore(column="commodity", popup=POPUP, tooltip=TOOLTIP)
        m.save(str(tmp / "explore.html"))
        explore_s = time.perf_counter() - t0
        theirs = (tmp / "explore.html").stat().st_size
        n = f"{args.small // 1000}k"
        report(f"web payload, {n} points (HTML bytes, target ratio <= 0.1)", ours / 1e6,
               theirs / 1e6, "MB", "explore()")
        report(f"web build, {n} points", secs, explore_s, "s", "explore()")
        del gdf, m

        log(f"synthetic {args.big:,} points")
        gdf = synth.points(args.big)
        ws = synth.make_workspace(tmp / "ws-big", gdf)
        del gdf
        html, secs = timed(build_web, ws, tmp / "out-big")
        n = f"{args.big // 1000}k" if args.big < 1_000_000 else f"{args.big // 1_000_000}M"
        report(f"web build (open + build --only web), {n} points", secs, 60.0, "s", "target")
        report(f"web HTML size, {n} points", html.stat().st_size / 1e6, 40.0, "MB", "target")
        log("Chromium, offline")
        drawn, errors, wall = first_frame(html)
        report(f"Chromium first frame, {n} points", drawn, 15.0, "s", "target",
               f"{len(errors)} console errors; wall clock {wall:.1f} s")
        if errors:
            print(f"  console errors: {errors[:5]}")


if __name__ == "__main__":
    main()
