"""Shared helpers of the benchmarks: timing, the one-line result format, temp folders."""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
RESULTS = Path(os.environ.get("GEOATLAS_BENCH_RESULTS", REPO / "out" / "bench-results.jsonl"))


def _fmt(v: float) -> str:
    if v != v:  # NaN
        return "n/a"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def report(name: str, ours: float, base: float, unit: str = "s", label: str = "baseline",
           note: str = "") -> None:
    """Print ``name: geoatlas X unit, <label> Y unit, ratio Z`` and keep it in RESULTS."""
    ratio = ours / base if base and base == base else float("nan")
    tail = f"  ({note})" if note else ""
    print(f"{name}: geoatlas {_fmt(ours)} {unit}, {label} {_fmt(base)} {unit}, "
          f"ratio {_fmt(ratio)}{tail}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"name": name, "geoatlas": ours, label: base, "unit": unit,
                             "ratio": ratio, "note": note}) + "\n")


def timed(fn, *args, **kwargs):
    """``(result, seconds)`` of one call."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def best_of(n: int, fn, *args, **kwargs):
    """``(result, seconds)``: the fastest of ``n`` calls (what a noisy machine allows)."""
    out, best = None, float("inf")
    for _ in range(n):
        out = None
        gc.collect()  # start each run from the same heap, whoever's garbage it holds
        out, seconds = timed(fn, *args, **kwargs)
        best = min(best, seconds)
    return out, best


@contextmanager
def workdir(prefix: str):
    """A temporary folder under $TMPDIR, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"geoatlas-bench-{prefix}-") as tmp:
        yield Path(tmp)


def log(msg: str) -> None:
    """A progress note on stderr (the results go to stdout)."""
    print(f"  .. {msg}", file=sys.stderr, flush=True)
