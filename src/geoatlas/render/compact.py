"""The compact web encoding of big layers, and the HTML size budget.

A layer of more than :data:`AUTO_THRESHOLD` features (or one whose recipe entry says
``compact = true``) is not written as GeoJSON with a pre-built popup per feature: that
costs about 300 bytes a point before any attribute. Instead it becomes a handful of
*sections*, each a typed array (byte-shuffled, gzip-compressed, base64) or a JSON list:

* **geometry** -- coordinates quantized to :data:`QUANT` units per degree (1e-5 deg,
  about 1 m), features sorted along a Morton (Z-order) curve, then delta-encoded, so
  neighbours differ by a few units and compress to a byte or two. Lines and polygons are
  kept at several levels of detail, one per band of zoom levels (:data:`LEVELS`),
  simplified to half a screen pixel of that band; polygons that tile the plane are
  simplified as a *coverage* (:func:`shapely.coverage_simplify`), so neighbouring
  provinces keep sharing exactly the same border and no sliver opens between them.
* **attributes** -- one column per field the recipe shows (popup, tooltip, label, the
  name, the location quality badge and the sources); text columns dictionary-encoded
  (the distinct display strings once, a small integer per feature), numbers as scaled
  integers (or float64 when no exact decimal scaling exists).
* **style** -- the distinct :class:`~geoatlas.style.Symbol` values of the layer, from
  the same style spec as every other renderer, and one index into them per feature.

The browser runtime (``assets/geoatlas-compact.js``) decodes the sections with
``DecompressionStream`` (no network, no library), draws the features on a canvas layer of
its own, finds the feature under the mouse through a grid index, and builds popups and
tooltips with DOM nodes and ``textContent`` only, so attribute text is never parsed as
HTML. Compact layers show attributes and sources in their popups, not contracts or
dated events, and they do not follow the time control (they show the latest status).

:func:`check_size` measures what every layer costs in the HTML, logs it, and enforces a
recipe's ``max_html_mb`` with an explanation of what would fit.

Examples
--------
>>> import numpy as np
>>> q = quantize(np.array([69.17724, 69.17725]))
>>> q.tolist(), (q / QUANT).tolist()
([6917724, 6917725], [69.17724, 69.17725])
>>> morton(np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])).tolist()
[0, 1, 2, 3]
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ..citations import UNQUOTED_COLUMN, UNQUOTED_HINT
from ..errors import OutputError
from ..schema import split_list

__all__ = [
    "AUTO_THRESHOLD",
    "LEVELS",
    "MB",
    "MIN_COMPRESS",
    "PIXEL_TOLERANCE",
    "QUANT",
    "Encoded",
    "check_size",
    "decode_field",
    "decode_points",
    "decode_shapes",
    "display_text",
    "encode",
    "kind_of",
    "layer_bytes",
    "layer_spec",
    "level_tolerances",
    "morton",
    "quantize",
    "section_array",
    "simplify_level",
    "size_report",
    "spatial_order",
    "wanted",
]


log = logging.getLogger(__name__)

AUTO_THRESHOLD = 5000
"""Layers with more features than this are encoded compactly unless the recipe says no."""
QUANT = 100_000
"""Quantization: integer units per degree (1e-5 deg is 1.1 m of latitude)."""
LEVELS = ((0, 5), (6, 8), (9, 11))
"""Levels of detail of lines and polygons: ``(first zoom drawn, zoom simplified for)``;
each level is simplified to :data:`PIXEL_TOLERANCE` of a pixel at its zoom."""
PIXEL_TOLERANCE = 0.5
MIN_COMPRESS = 64
"""Sections shorter than this many bytes are not worth a gzip header."""
_POINT, _LINE, _POLYGON = "point", "line", "polygon"
_TYPE_IDS = {_POINT: {0, 4}, _LINE: {1, 2, 5}, _POLYGON: {3, 6}}


# -- choosing --------------------------------------------------------------------------
def kind_of(geoms: np.ndarray) -> str | None:
    """``"point"``, ``"line"`` or ``"polygon"`` when every geometry is of that family.

    >>> kind_of(np.array([shapely.Point(0, 0), shapely.MultiPoint([(1, 1)])]))
    'point'
    >>> kind_of(np.array([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)])) is None
    True
    """
    ids = set(np.unique(shapely.get_type_id(geoms)).tolist())
    for kind, allowed in _TYPE_IDS.items():
        if ids and ids <= allowed:
            return kind
    return None


def wanted(prepared) -> bool:
    """Whether a prepared layer is drawn compactly.

    The recipe's ``compact`` key decides when set; otherwise layers of more than
    :data:`AUTO_THRESHOLD` features whose geometries are of one family (points, lines or
    polygons) are compact. ``compact = true`` on a layer mixing families is an error.
    """
    flag = getattr(prepared.spec, "compact", None)
    if flag is False:
        return False
    if flag is None and len(prepared.frame) <= AUTO_THRESHOLD:
        return False
    if kind_of(prepared.frame.geometry.to_numpy()) is None:
        if flag:
            raise OutputError(f"layer '{prepared.spec.layer}' mixes points, lines and polygons: "
                              "it cannot be encoded compactly; split it or set compact = false")
        return False
    return True


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


def _scaled(values: np.ndarray) -> tuple[np.ndarray, int] | None:
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
class _Sections:
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


# -- attributes ------------------------------------------------------------------------
def display_text(field: str, value, link_fields=(), layer: str | None = None) -> str:
    """One attribute value as the plain text a popup shows (the web popup's rules).

    >>> display_text("contract_value_usd", 3e9), display_text("status", "under_construction")
    ('$3 bn', 'under construction')
    >>> display_text("commodities", "copper;gold", layer="deposits"), display_text("n", 4.0)
    ('copper, gold', '4')
    >>> display_text("notes", "a; b")
    'a; b'
    """
    if field in link_fields:
        return "" if value is None or value is pd.NaT or (
            isinstance(value, float) and math.isnan(value)) else str(value)
    from .webformat import text_value

    return text_value(layer or "", field, value)


def _field(sections: _Sections, name: str, series: pd.Series, link_fields,
           layer: str | None = None) -> dict:
    """Encode one column as a field description (its data in ``sections``)."""
    from ..schema import field_label

    key = f"f:{name}"
    meta = {"name": name, "label": field_label(name, layer), "link": name in link_fields}
    numeric = (pd.api.types.is_numeric_dtype(series.dtype)
               and not pd.api.types.is_bool_dtype(series.dtype) and name not in link_fields)
    if numeric:
        values = series.to_numpy(dtype=float, na_value=np.nan)
        meta["fmt"] = "money" if name.endswith("_usd") or name == "value_usd" else "num"
        scaled = _scaled(values)
        if scaled is not None:
            meta.update(type="int", scale=scaled[1], data=sections.add(key, scaled[0]))
        else:
            meta.update(type="f64", data=sections.add(key, values))
        return meta
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    shown = [display_text(name, v, link_fields, layer) for v in uniques]
    shown.append("")  # the code of missing values
    codes = np.where(codes < 0, len(shown) - 1, codes)
    meta.update(type="dict", values=sections.add(key + ":values", shown),
                data=sections.add(key, codes))
    return meta


def _attributes(sections: _Sections, prepared, recipe, frame, atlas) -> dict:
    spec = prepared.spec
    cols = [c for c in frame.columns if c != frame.geometry.name]
    wanted_fields: list[str] = []
    title = "name" if "name" in cols else None
    for f in [*([title] if title else []), *spec.popup, *spec.tooltip,
              *([spec.label] if spec.label else [])]:
        if f in cols and f not in wanted_fields:
            wanted_fields.append(f)
    extra = [c for c in ("location_quality", "source_ids", UNQUOTED_COLUMN) if c in cols]
    fields = []
    index = {}
    for f in [*wanted_fields, *[c for c in extra if c not in wanted_fields]]:
        index[f] = len(fields)
        fields.append(_field(sections, f, frame[f], recipe.link_fields, spec.layer))
    if title is None:  # the popup title falls back to the feature id
        ids = pd.Series(frame.index.astype(str), index=frame.index)
        index["\0id"] = len(fields)
        fields.append(_field(sections, "id", ids, ()))
        title_i = index["\0id"]
    else:
        title_i = index[title]
    from .webformat import QUALITY_BADGES

    out = {
        "fields": fields,
        "title": title_i,
        # the location quality shows once, as the badge under the title
        "popup": [index[f] for f in spec.popup if f in index
                  and f not in ("name", "location_quality")],
        "tooltip": [index[f] for f in spec.tooltip if f in index],
        "label": index.get(spec.label) if spec.label else None,
        "quality": index.get("location_quality"),
        "badges": QUALITY_BADGES,
        "sources": None,
    }
    if "source_ids" in index:
        ids = sorted({s for v in frame["source_ids"].dropna().unique() for s in split_list(v)})
        table = atlas["sources"].set_index("id", drop=False) if "sources" in atlas else None
        known = {}
        for sid in ids:
            if table is not None and sid in table.index:
                s = table.loc[sid]
                # never the file name: readers get title, publisher and date
                known[sid] = [str(s[c] or "") for c in ("title", "publisher", "published")]
                known[sid] += ["", str(s["url"] or "")]
        raw = frame["source_ids"]
        # the sources a row cites without a supporting quote are marked "unquoted"
        out["sources"] = {"field": index["source_ids"], "table": known,
                          "unquoted": index.get(UNQUOTED_COLUMN),
                          "unquotedTitle": UNQUOTED_HINT}
        fields[index["source_ids"]]["values"] = sections.add(
            "f:source_ids:values",
            [";".join(split_list(v)) if isinstance(v, str) else "" for v in
             pd.factorize(raw, use_na_sentinel=True)[1]] + [""])
    return out


# -- geometry --------------------------------------------------------------------------
def _point_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if (shapely.get_type_id(geoms) == 0).all():
        return shapely.get_x(geoms), shapely.get_y(geoms)
    c = shapely.centroid(geoms)
    return shapely.get_x(c), shapely.get_y(c)


def level_tolerances(frame_bounds, simplify_m: float | None = None) -> list[float]:
    """Simplification tolerance in degrees of each of :data:`LEVELS`.

    Half a pixel of the level's zoom, in Web Mercator at the middle latitude of the data;
    ``simplify_m`` (metres) sets the finest tolerance (coarser levels never go finer).

    >>> [round(t, 5) for t in level_tolerances((60, 30, 70, 40))]
    [0.018, 0.00225, 0.00028]
    """
    mid = math.radians((frame_bounds[1] + frame_bounds[3]) / 2)
    tols = [PIXEL_TOLERANCE * 360 / (256 * 2**z) * math.cos(mid) for _, z in LEVELS]
    if simplify_m is not None:
        finest = simplify_m / 111_320.0
        tols = [max(t, finest) for t in tols[:-1]] + [finest]
    return tols


def simplify_level(geoms: np.ndarray, kind: str, tolerance: float,
                   coverage: bool) -> np.ndarray:
    """Simplify for one level of detail, then snap to the quantization grid.

    Polygons that form a valid coverage are simplified together, so shared borders stay
    shared; other polygons keep their topology one by one; lines keep their end points
    (network junctions). Vertices are rounded to ``1 / QUANT`` degree; identical vertices
    round identically, so a border shared before is shared after. A polygon that the
    rounding made invalid is repaired with :func:`shapely.make_valid`.
    """
    if tolerance > 0:
        if kind == _POLYGON and coverage:
            geoms = shapely.coverage_simplify(geoms, tolerance)
        else:
            geoms = shapely.simplify(geoms, tolerance, preserve_topology=kind == _POLYGON)
    out = shapely.transform(geoms, lambda xy: np.round(xy * QUANT) / QUANT)
    if kind == _POLYGON:
        bad = np.flatnonzero(~shapely.is_valid(out))
        for i in bad:
            fixed = shapely.make_valid(out[i])
            polys = [p for p in shapely.get_parts(fixed) if p.geom_type == "Polygon"]
            out[i] = shapely.multipolygons(polys) if len(polys) > 1 else (
                polys[0] if polys else geoms[i])
        out = shapely.orient_polygons(out)
    return out


def _encode_shapes(sections: _Sections, prefix: str, geoms: np.ndarray, kind: str) -> dict:
    _, coords, offsets = shapely.to_ragged_array(geoms)
    q = quantize(coords)
    n = len(geoms)
    if kind == _LINE:
        coord_off = offsets[0]
        part_off = offsets[1] if len(offsets) > 1 else np.arange(n + 1)
        ring_off = None
    else:
        coord_off = offsets[0]
        ring_off = offsets[1]
        part_off = offsets[2] if len(offsets) > 2 else np.arange(n + 1)
    out = {
        "x": sections.add(prefix + "x", q[:, 0], delta=True),
        "y": sections.add(prefix + "y", q[:, 1], delta=True),
        "coords": sections.add(prefix + "nc", np.diff(coord_off)),
        "parts": sections.add(prefix + "np", np.diff(part_off)),
        "rings": sections.add(prefix + "nr", np.diff(ring_off)) if ring_off is not None else None,
        "vertices": len(q),
    }
    return out


# -- the layer spec --------------------------------------------------------------------
@dataclass
class Encoded:
    """A compact layer: the spec handed to the page and the feature order used."""

    spec: dict
    order: np.ndarray
    """``order[k]`` is the row of the prepared frame drawn as feature ``k``."""


def encode(prepared, recipe, atlas) -> Encoded:
    """Encode a prepared layer compactly (see the module description).

    Parameters
    ----------
    prepared : geoatlas.render.prepare.PreparedLayer
        The layer: its recipe entry, rows and one symbol per row.
    recipe : geoatlas.recipe.Recipe
        The recipe (for its link fields).
    atlas : geoatlas.Atlas
        For the sources table.

    Returns
    -------
    Encoded
        ``spec`` is the JSON-able ``compact`` member of the layer spec.
    """
    frame = prepared.frame
    geoms = frame.geometry.to_numpy()
    kind = kind_of(geoms) or _POINT
    sections = _Sections({})
    if kind == _POINT:
        x, y = _point_xy(geoms)
    else:
        b = shapely.bounds(geoms)
        x, y = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    order = spatial_order(x, y)
    frame = frame.iloc[order]
    codes, table = _symbol_codes(prepared.symbols)
    codes = codes[order]
    from .webformat import style_json

    spec = {
        "kind": kind, "n": len(frame), "q": QUANT,
        "bbox": [float(v) for v in frame.total_bounds] if len(frame) else [0, 0, 0, 0],
        "symbols": [style_json(s) for s in table],
        "sym": sections.add("sym", codes) if len(table) > 1 else None,
    }
    if kind == _POINT:
        spec["geometry"] = {"x": sections.add("x", quantize(x[order]), delta=True),
                            "y": sections.add("y", quantize(y[order]), delta=True)}
    else:
        ordered = geoms[order]
        coverage = kind == _POLYGON and bool(shapely.coverage_is_valid(ordered))
        levels = []
        for (minzoom, _), tol in zip(LEVELS, level_tolerances(frame.total_bounds,
                                                               prepared.spec.simplify)):
            shapes = simplify_level(ordered, kind, tol, coverage)
            level = _encode_shapes(sections, f"L{minzoom}:", shapes, kind)
            level.update(minzoom=minzoom, tolerance=tol)
            levels.append(level)
        spec["levels"] = levels
        spec["coverage"] = coverage
    spec.update(_attributes(sections, prepared, recipe, frame, atlas))
    spec["sections"] = sections.items
    return Encoded(spec, order)


def _symbol_codes(symbols) -> tuple[np.ndarray, list]:
    """Per-feature index into the distinct symbols (equal symbols share one entry)."""
    if not len(symbols):
        return np.zeros(0, dtype=np.int64), []
    ids = pd.factorize(np.fromiter((id(s) for s in symbols), dtype=np.int64,
                                   count=len(symbols)))[0]
    by_id = [symbols[p] for p in np.unique(ids, return_index=True)[1]]
    table: list = []
    remap = np.zeros(len(by_id), dtype=np.int64)
    seen: dict = {}
    for k, sym in enumerate(by_id):
        if sym not in seen:
            seen[sym] = len(table)
            table.append(sym)
        remap[k] = seen[sym]
    return remap[ids], table


def layer_spec(key: str, prepared, recipe, atlas, legend_html: str) -> dict:
    """The runtime's spec of a compact layer (same outer keys as a GeoJSON layer)."""
    spec = prepared.spec
    return {
        "id": key,
        "title": spec.title,
        "group": spec.group,
        "visible": spec.visible,
        "label": bool(spec.label),
        "timeline": False,
        "legend_html": legend_html,
        "compact": encode(prepared, recipe, atlas).spec,
    }


# -- decoding (the page does this in JavaScript; Python does it for tests) ------------
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


def decode_points(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of the features of a compact point layer, in drawing order."""
    g = spec["geometry"]
    return section_array(spec, g["x"]) / spec["q"], section_array(spec, g["y"]) / spec["q"]


def decode_shapes(spec: dict, level: int = -1) -> np.ndarray:
    """The shapely geometries of one level of a compact line or polygon layer."""
    lv = spec["levels"][level]
    q = spec["q"]
    xy = np.c_[section_array(spec, lv["x"]), section_array(spec, lv["y"])] / q
    nc = section_array(spec, lv["coords"])
    n_parts = section_array(spec, lv["parts"])
    if spec["kind"] == _LINE:
        offsets = (np.r_[0, np.cumsum(nc)], np.r_[0, np.cumsum(n_parts)])
        return shapely.from_ragged_array(shapely.GeometryType.MULTILINESTRING, xy, offsets)
    nr = section_array(spec, lv["rings"])
    offsets = (np.r_[0, np.cumsum(nc)], np.r_[0, np.cumsum(nr)], np.r_[0, np.cumsum(n_parts)])
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, xy, offsets)


def decode_field(spec: dict, name: str) -> list:
    """The display values of field ``name`` per feature (text as shown, numbers as numbers)."""
    meta = next(f for f in spec["fields"] if f["name"] == name)
    data = section_array(spec, meta["data"])
    if meta["type"] == "dict":
        values = section_array(spec, meta["values"])
        return [values[c] for c in data]
    if meta["type"] == "int":
        k = meta["scale"]
        out = data / 10.0**k if k >= 0 else data * 10.0**-k
        return [None if d == -(2**31) else v for d, v in zip(data, out)]
    return [None if math.isnan(v) else v for v in data]


# -- the size budget -------------------------------------------------------------------
MB = 1_000_000


def layer_bytes(spec: dict) -> dict[str, int]:
    """Bytes each layer takes in the page's script (JSON as embedded), by layer id."""
    from .. import htmlsafe

    return {ls["id"]: len(htmlsafe.script_json(ls).encode()) for ls in spec["layers"]}


def _field_bytes(compact: dict) -> dict[str, int]:
    secs = compact["sections"]
    out = {}
    for f in compact["fields"]:
        names = [f["data"], f.get("values")]
        out[f["name"]] = sum(len(secs[n]["b"]) for n in names if n and n in secs)
    return out


def _geometry_bytes(compact: dict) -> list[int]:
    secs = compact["sections"]
    if compact["kind"] == _POINT:
        return [sum(len(secs[n]["b"]) for n in compact["geometry"].values())]
    return [sum(len(secs[lv[k]]["b"]) for k in ("x", "y", "coords", "parts", "rings")
                if lv.get(k)) for lv in compact["levels"]]


def size_report(recipe, prepared_layers, spec: dict, html_bytes: int) -> list[str]:
    """One line per layer: its name, features and bytes in the page (largest first)."""
    sizes = layer_bytes(spec)
    lines = []
    for ls, p in sorted(zip(spec["layers"], prepared_layers), key=lambda t: -sizes[t[0]["id"]]):
        how = "compact" if "compact" in ls else "GeoJSON"
        lines.append(f"  {p.spec.layer:<16} {len(p.frame):>9,} features  "
                     f"{sizes[ls['id']] / MB:8.2f} MB  ({how})")
    rest = html_bytes - sum(sizes.values())
    lines.append(f"  {'(page, assets, basemap)':<36}  {rest / MB:8.2f} MB")
    return lines


def check_size(recipe, prepared_layers, spec: dict, html_bytes: int, atlas=None) -> None:
    """Log the bytes of every layer; raise :class:`OutputError` over ``max_html_mb``.

    The error names the layers that are big, what their popup fields and geometry cost,
    and the options that would bring the page under the budget: fewer popup fields,
    ``compact = true``, a ``where`` filter, or coarser simplification.
    """
    report = size_report(recipe, prepared_layers, spec, html_bytes)
    log.info("%s.html: %.2f MB\n%s", recipe.name, html_bytes / MB, "\n".join(report))
    budget = recipe.max_html_mb
    if budget is None or html_bytes <= budget * MB:
        return
    over = html_bytes - budget * MB
    sizes = layer_bytes(spec)
    lines = [f"maps/{recipe.name}.toml: the web map would be {html_bytes / MB:.2f} MB, over "
             f"max_html_mb = {budget:g} (by {over / MB:.2f} MB). Bytes per layer:", *report,
             "Options that would fit:"]
    options = []
    for ls, p in sorted(zip(spec["layers"], prepared_layers), key=lambda t: -sizes[t[0]["id"]]):
        size = sizes[ls["id"]]
        if size < 0.05 * html_bytes:
            continue
        name = p.spec.layer
        n = len(p.frame)
        if "compact" not in ls and n and kind_of(p.frame.geometry.to_numpy()):
            small = len(json.dumps(layer_spec(ls["id"], p, recipe, atlas, "")["compact"]))
            if size - small >= over:
                options.append(f"compact = true on layer '{name}': about {small / MB:.2f} MB "
                               f"instead of {size / MB:.2f} MB")
        if "compact" in ls:
            fields = _field_bytes(ls["compact"])
            shown = [f for f in (*p.spec.popup, *p.spec.tooltip) if f in fields]
            costly = sorted(set(shown), key=lambda f: -fields[f])
            saved, drop = 0, []
            for f in costly:
                drop.append(f)
                saved += fields[f]
                if saved >= over:
                    break
            if drop and saved >= over:
                options.append(f"drop popup/tooltip field(s) {', '.join(drop)} of layer "
                               f"'{name}' (saves {saved / MB:.2f} MB; field costs: "
                               + ", ".join(f"{f} {fields[f] / MB:.2f} MB" for f in costly)
                               + ")")
            geo = _geometry_bytes(ls["compact"])
            if len(geo) > 1 and geo[-1] - geo[-2] >= over:
                tol_m = ls["compact"]["levels"][-2]["tolerance"] * 111_320
                options.append(f"simplify = {tol_m:.0f} (metres) on layer '{name}': its "
                               f"finest detail costs {geo[-1] / MB:.2f} MB")
        keep = int(n * max(0.0, (size - over)) / size) if size else 0
        if keep > 0:
            options.append(f"a 'where' filter keeping at most {keep:,} of the {n:,} features "
                           f"of layer '{name}'")
    if not options:
        options.append("raise max_html_mb, or split the map into several recipes")
    lines += [f"  - {o}" for o in options]
    raise OutputError("\n".join(lines))
