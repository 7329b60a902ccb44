"""Start-up: ``import geoatlas`` and ``import geoatlas.cli`` (target 0.3 s each),
``geoatlas --help`` as a whole process (target 0.4 s; ``python -c pass`` measured in the
same run for scale), and ``geoatlas build`` of the default workspace, every recipe and
every output (target 20 s)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from common import REPO, log, report, workdir

BIN = Path(sys.executable).parent


def import_seconds(module: str, runs: int = 5) -> float:
    """Best of ``runs`` cumulative ``-X importtime`` of ``module``, in seconds."""
    best = float("inf")
    for _ in range(runs):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                             capture_output=True, text=True, check=True).stderr
        for line in err.splitlines():
            m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)$", line)
            if m and m.group(2) == module:
                best = min(best, int(m.group(1)) / 1e6)
    return best


def process_seconds(argv: list[str], runs: int = 5) -> float:
    """Best of ``runs`` wall-clock times of a whole process, in seconds."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    report("import geoatlas.cli (-X importtime, best of 5)", import_seconds("geoatlas.cli"),
           0.3, "s", "target")
    bare = process_seconds([sys.executable, "-c", "pass"])
    helped = process_seconds([str(BIN / "geoatlas"), "--help"])
    report("geoatlas --help, whole process (best of 5)", helped, 0.4, "s", "target",
           f"python -c pass: {bare:.3f} s, ratio {helped / bare:.1f}")
    ours = import_seconds("geoatlas")
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, geoatlas; print(','.join(m for m in ('numpy', "
         "'pandas', 'geopandas', 'matplotlib', 'folium') if m in sys.modules))"],
        capture_output=True, text=True, check=True).stdout.strip()
    report("import geoatlas (-X importtime, best of 5)", ours, 0.3, "s", "target",
           f"loaded: {heavy or 'none of numpy, pandas, geopandas, matplotlib, folium'}")
    report("import geopandas, for scale", import_seconds("geopandas"), 0.3, "s", "target")
    with workdir("build") as tmp:
        log("geoatlas build of the default workspace")
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "geoatlas"), "build", str(REPO), "--out", str(tmp)],
                       check=True, capture_output=True)
        secs = time.perf_counter() - t0
        files = len(list(tmp.iterdir()))
    report("geoatlas build, default workspace (every recipe and output)", secs, 20.0, "s",
           "target", f"{files} files")


if __name__ == "__main__":
    main()
