"""Typed arrays packed for the page, and unpacked again: the wire format of compact layers.

Coordinates become integers (:func:`quantize`: :data:`QUANT` units per degree), sorted
along a Z-order curve (:func:`morton`, :func:`spatial_order`) so that neighbours differ by
little; other numbers become scaled integers where an exact decimal scaling exists
(:func:`scaled_ints`). A :class:`Sections` holds the arrays of one layer, each
delta-encoded when asked, narrowed to the smallest integer type, byte-shuffled,
gzip-compressed (from :data:`MIN_COMPRESS` bytes) and base64-encoded;
:func:`section_array` reverses that, as the page's script does in JavaScript.
:mod:`geoatlas.render.compact` decides what goes into the sections.

Examples
--------
>>> import numpy as np
>>> q = quantize(np.array([69.17724, 69.17725]))
>>> q.tolist(), (q / QUANT).tolist()
([6917724, 6917725], [69.17724, 69.17725])
>>> morton(np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])).tolist()
[0, 1, 2, 3]
>>> s = Sections({})
>>> section_array({"sections": s.items}, s.add("x", q, delta=True)).tolist()
[6917724, 6917725]
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MIN_COMPRESS",
    "QUANT",
    "Sections",
    "morton",
    "quantize",
    "scaled_ints",
    "section_array",
    "spatial_order",
]


QUANT = 100_000
"""Quantization: integer units per degree (1e-5 deg is 1.1 m of latitude)."""
MIN_COMPRESS = 64
"""Sections shorter than this many bytes are not worth a gzip header."""


# -- numbers -----------------------------------------------------------------------------
def quantize(deg: np.ndarray) -> np.ndarray:
    """Degrees to integer units of ``1 / QUANT`` degree (``int64``)."""
    return np.round(np.asarray(deg, dtype=float) * QUANT).astype(np.int64)


def morton(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """Z-order key of non-negative 16-bit grid cells (``x`` bits in the even places)."""
    def spread(v):
        v = np.asarray(v, dtype=np.uint64) & np.uint64(0xFFFF)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    return spread(ix) | (spread(iy) << np.uint64(1))


def spatial_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A permutation that sorts points along a Z-order curve over their bounding box."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    span = max(float(np.ptp(x)), float(np.ptp(y)), 1e-9)
    ix = ((x - x.min()) / span * 65535).astype(np.int64)
    iy = ((y - y.min()) / span * 65535).astype(np.int64)
    return np.argsort(morton(ix, iy), kind="stable")


def scaled_ints(values: np.ndarray) -> tuple[np.ndarray, int] | None:
    """``(ints, k)`` with ``ints / 10**k == values`` exactly (NaN -> INT32_MIN), or None."""
    finite = values[np.isfinite(values)]
    if len(finite) and np.abs(finite).max() >= 2**53:
        return None
    for k in range(-9, 7):
        w = np.round(finite * 10.0**k) if k >= 0 else np.round(finite / 10.0**-k)
        if len(w) and np.abs(w).max() >= 2**31 - 1:
            if k >= 0:
                return None
            continue
        back = w / 10.0**k if k >= 0 else w * 10.0**-k
        if np.array_equal(back, finite):
            out = np.full(len(values), -(2**31), dtype=np.int64)
            out[np.isfinite(values)] = w.astype(np.int64)
            return out, k
    return None


# -- sections --------------------------------------------------------------------------
@dataclass
class Sections:
    """Named binary sections of one layer, each encoded for the page."""

    items: dict

    def add(self, name: str, data, delta: bool = False) -> str:
        """Add a typed array (or a JSON-able list) as section ``name``; return the name."""
        if isinstance(data, list):
            raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
            meta = {"t": "json"}
        else:
            arr = np.asarray(data)
            if delta:
                arr = np.diff(arr.astype(np.int64), prepend=0)
            dtype = _int_dtype(arr) if arr.dtype.kind in "iu" else np.dtype("<f8")
            arr = arr.astype(dtype)
            width = dtype.itemsize
            raw = arr.view(np.uint8).reshape(-1, width).T.tobytes() if width > 1 else arr.tobytes()
            meta = {"t": dtype.str.lstrip("<|"), "n": len(arr), "d": int(delta)}
        z = len(raw) >= MIN_COMPRESS
        payload = gzip.compress(raw, compresslevel=6, mtime=0) if z else raw
        meta.update(z=int(z), b=base64.b64encode(payload).decode("ascii"))
        self.items[name] = meta
        return name

    def size(self, names) -> int:
        """Bytes the named sections take in the page."""
        return sum(len(self.items[n]["b"]) for n in names if n in self.items)


def _int_dtype(arr: np.ndarray) -> np.dtype:
    if not len(arr):
        return np.dtype("<i4")
    lo, hi = int(arr.min()), int(arr.max())
    for dt in ("u1", "u2", "i4") if lo >= 0 else ("i1", "i2", "i4"):
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return np.dtype(dt).newbyteorder("<")
    if lo >= 0 and hi <= np.iinfo("u4").max:
        return np.dtype("<u4")
    return np.dtype("<f8")  # beyond 32 bits: exact as float64 up to 2**53


def section_array(spec: dict, name: str):
    """Decode section ``name`` of a compact spec: a numpy array or a list."""
    meta = spec["sections"][name]
    raw = base64.b64decode(meta["b"])
    if meta["z"]:
        raw = gzip.decompress(raw)
    if meta["t"] == "json":
        return json.loads(raw.decode())
    dtype = np.dtype(meta["t"]).newbyteorder("<")
    n, width = meta["n"], dtype.itemsize
    if width > 1:
        raw = np.frombuffer(raw, np.uint8).reshape(width, n).T.tobytes()
    arr = np.frombuffer(raw, dtype=dtype).copy()
    if meta["d"]:
        arr = np.cumsum(arr.astype(np.int64))
    return arr
