"""Run every benchmark, one process each, and print their result lines (``make bench``).

Each benchmark runs geoatlas and its baseline in the same process and prints lines of the
form ``name: geoatlas X s, baseline Y s, ratio Z`` (sizes in MB; absolute targets are
printed as ``target``). The lines are also appended to out/bench-results.jsonl.
``--quick`` runs every benchmark at a tenth of its size (a smoke test).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "startup": ("bench_startup.py", [], []),
    "web": ("bench_web.py", [], ["--small", "10000", "--big", "100000"]),
    "io": ("bench_io.py", [], ["--features", "100000"]),
    "query": ("bench_query.py", [], ["--points", "100000", "--sample", "50"]),
    "dask": ("bench_dask.py", [], ["--check", "20000", "--big", "1000000", "--files", "4"]),
    "check": ("bench_check.py", [], ["--rows", "10000", "--sample", "200"]),
}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
        ram = f"{mem / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        ram = "unknown RAM"
    return (f"{os.cpu_count()} cores (nproc), {cpu}, {ram}; Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("only", nargs="*", choices=[[], *BENCHES], help="benchmarks to run")
    ap.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = ap.parse_args()
    print(f"machine: {machine()}", flush=True)
    started = time.perf_counter()
    failed = []
    for name in args.only or list(BENCHES):
        script, full, quick = BENCHES[name]
        print(f"\n## {name}", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / script),
                               *(quick if args.quick else full)], cwd=HERE.parent)
        print(f"({name}: {time.perf_counter() - t0:.0f} s)", flush=True)
        if done.returncode:
            failed.append(name)
    total = time.perf_counter() - started
    print(f"\nall benchmarks: {total / 60:.1f} min (budget 15 min)"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
